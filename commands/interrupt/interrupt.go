// Package interrupt turns SIGINT and SIGTERM into the cancellation of a
// context, as signal.NotifyContext does, but installs the handler only once
// the context is armed: by Arm, or by the first wait on its Done channel.
// Until then the signals are ignored.
//
// The first signal.Notify of a process starts the runtime's signal-mask
// goroutine on a locked OS thread, and with it the template thread and the
// threads that take over from them: 3 of the 6 threads of a one-shot
// `srvmon record`, about a millisecond of its CPU and 55 page faults on
// the project's 2-core VM (BenchmarkRecordOneShot). A one-shot record
// waits on its context only while another writer holds the store lock, so
// it arms only then. Unarmed, a signal is ignored and the sample set the
// run started is finished, which is what the armed context gives too: once
// it holds the lock a record finishes its sample set even if interrupted
// (sampler/recorder). Every other command and a looping record arm at once.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
)

// Context is a context cancelled by the first of its signals once it is
// armed.
type Context struct {
	context.Context // the parent: its values, deadline and, until armed, Done and Err
	sigs            []os.Signal
	once            sync.Once
	armed           atomic.Bool
	notify          context.Context // signal.NotifyContext of the parent, once armed
	stop            context.CancelFunc
}

type contextKey struct{}

// New returns a context derived from parent that is cancelled by the first
// of sigs once armed, and ignores sigs until then. Call stop when done, as
// with signal.NotifyContext: an armed context stops relaying the signals
// and they have their default effect again; the signals of a context never
// armed stay ignored.
func New(parent context.Context, sigs ...os.Signal) (ctx *Context, stop func()) {
	signal.Ignore(sigs...)
	c := &Context{Context: parent, sigs: sigs}
	return c, c.Stop
}

// Arm installs the signal handler of the Context that ctx is or derives
// from: from now on its signals cancel it. Without such a Context (a test
// passing its own) Arm does nothing.
func Arm(ctx context.Context) {
	if c, ok := ctx.Value(contextKey{}).(*Context); ok {
		c.arm()
	}
}

func (c *Context) arm() {
	c.once.Do(func() {
		c.notify, c.stop = signal.NotifyContext(c.Context, c.sigs...)
		c.armed.Store(true)
	})
}

// Done arms c and returns the channel closed on its first signal (or when
// the parent is done); after Stop, the parent's.
func (c *Context) Done() <-chan struct{} {
	c.arm()
	if !c.armed.Load() {
		return c.Context.Done()
	}
	return c.notify.Done()
}

// Err is the parent's error until c is armed, then that of the signal
// context.
func (c *Context) Err() error {
	if c.armed.Load() {
		return c.notify.Err()
	}
	return c.Context.Err()
}

// Value returns c for Arm, and otherwise the parent's value (through the
// signal context once armed, so that contexts derived from c find its
// cancellation directly).
func (c *Context) Value(key any) any {
	if key == (contextKey{}) {
		return c
	}
	if c.armed.Load() {
		return c.notify.Value(key)
	}
	return c.Context.Value(key)
}

// Stop releases the signals if c was armed and keeps it from being armed
// later.
func (c *Context) Stop() {
	c.once.Do(func() {})
	if c.armed.Load() {
		c.stop()
	}
}
