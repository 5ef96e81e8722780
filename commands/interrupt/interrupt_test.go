package interrupt

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestUnarmedIgnoresArmedCancels sends this test process SIGTERM: unarmed
// the context ignores it (the process lives on, nothing is cancelled);
// after the first Done it cancels the context; after stop a derived
// context saw the cancellation too.
func TestUnarmedIgnoresArmedCancels(t *testing.T) {
	type key struct{}
	ctx, stop := New(context.WithValue(context.Background(), key{}, "v"), syscall.SIGTERM)
	defer stop()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a signal not ignored would have ended the test binary
	if err := ctx.Err(); err != nil {
		t.Fatalf("unarmed context: Err() = %v after SIGTERM, want nil", err)
	}
	if ctx.Value(key{}) != "v" {
		t.Fatalf("the parent's value is lost")
	}
	done := ctx.Done() // arms
	derived, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("armed context: SIGTERM did not cancel it within 10 s")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("armed context after SIGTERM: Err() = %v, want context.Canceled", ctx.Err())
	}
	select {
	case <-derived.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a context derived from the armed one was not cancelled")
	}
	if ctx.Value(key{}) != "v" {
		t.Fatalf("the parent's value is lost once armed")
	}
}

// TestArmFindsTheContext arms through a derived context (as cli passes
// one to the commands) and does nothing for a context without one.
func TestArmFindsTheContext(t *testing.T) {
	Arm(context.Background()) // no Context: nothing to do, no panic
	ctx, stop := New(context.Background(), syscall.SIGUSR1)
	type key struct{}
	Arm(context.WithValue(ctx, key{}, 1))
	if !ctx.armed.Load() {
		t.Fatal("Arm through a derived context did not arm it")
	}
	stop()
	// Never armed and stopped: Done is the parent's and arms nothing.
	c2, stop2 := New(context.Background(), syscall.SIGUSR2)
	stop2()
	if c2.Done() != nil || c2.armed.Load() {
		t.Fatal("a stopped context armed on Done")
	}
}
