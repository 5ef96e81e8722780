package commands

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/report/web"
	"github.com/srvmon/srvmon/report/web/live"
)

// ServeOptions are the settings of Serve.
type ServeOptions struct {
	DataDir string
	Listen  string        // host:port; "" means 127.0.0.1:8080
	Refresh time.Duration // how often the page updates itself; 0 means 60 s
	Stale   time.Duration // /healthz fails once the newest sample is older, /metrics leaves such series out; 0 means 5 min
	Auth    string        // "user:bcrypt-hash" or a file of such lines; "" for no authentication
	// AccessLog is where a Common Log Format line per request goes: a file
	// (appended to), "-" for stdout, "" for nowhere.
	AccessLog string
	// LiveClients is the most live streams at once; 0 turns the live
	// range off (the flag defaults to 16).
	LiveClients int
	LiveWindow  time.Duration // history of the live range; 0 means 5 min
}

func newServeCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the store's charts, a JSON API and Prometheus /metrics over HTTP",
		Description: `serve answers HTTP on --listen (default 127.0.0.1:8080, this host only) while
record keeps appending from cron, and never writes to the store:

  /                       charts of CPU, load, memory, disks, network and
                          filesystems over the last hour (links for 6h, 24h,
                          7d, 30d or a custom range), updating themselves
                          every --refresh; they work without JavaScript too
  /disk?device=sda        one disk; also /net?device=eth0, /fs?mount=/var
  /api/v1/query           a view or raw series as JSON, with the parameters
                          of 'srvmon query': view=cpu (or selector=...),
                          from, to, last, utc, step, agg, per-cpu, device,
                          mount, interface, and points (at most N points
                          per series; 1000 unless step is given)
  /api/v1/series          the series in a range (from, to, last), or those
                          that match=SELECTOR
  /api/v1/top             the top processes as 'srvmon query top --format
                          json' prints them: from, to, last or at, by, n,
                          utc (format=html: the table the page shows when a
                          CPU, memory or disk chart is clicked); the user,
                          executable and command line only for requests over
                          loopback or with --auth
  /api/v1/services        the services (cgroups), as 'srvmon query services'
  /metrics                the newest sample of every series in the
                          Prometheus text format, named as node_exporter
                          names them, each with the time it was recorded;
                          series older than --stale are left out (see the
                          README for scraping a store that cron fills)
  /healthz                200 with the age of the newest sample, 503 once it
                          is older than --stale (recording has stopped)
  /api/v1/live            the live range: Server-Sent Events, one a second
                          with the cpu, load, mem, disk, net and fs views
                          of that second, and every 5 s the top processes by
                          CPU and by memory over those 5 s (as query top
                          computes them; users and command lines left
                          out); serve samples the host itself (as
                          record, into memory only) while someone watches,
                          at most --live-clients at once, and not at all
                          when nobody does; the "live" link of the overview
                          and of each disk, network and filesystem page
                          shows it

To listen on other interfaces, protect the data with --auth: a line
"user:bcrypt-hash" (make one with 'htpasswd -nB user') or a file of such
lines. Without --auth a non-loopback --listen gets a warning. serve stops
cleanly on SIGINT or SIGTERM. Times on the page are in the local time zone
(set TZ to change it).

Examples:
  srvmon serve                                    # http://127.0.0.1:8080/
  srvmon serve --listen :8080 --auth /etc/srvmon/htpasswd
  srvmon serve --refresh 10s --stale 3m
  srvmon serve --live-clients 4 --live-window 10m # or --live-clients 0: no live range
  srvmon serve --access-log /var/log/srvmon/access.log   # or - for stdout
  curl -s 127.0.0.1:8080/metrics | promtool check metrics`,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{
				Name:  "listen",
				Usage: "listen on `HOST:PORT`",
				Value: web.DefaultListen,
			},
			secondsFlag("refresh", "update the page's charts every `SECONDS` (or a duration like 30s)", web.DefaultRefresh),
			secondsFlag("stale", "/healthz fails, and /metrics leaves a series out, when its newest sample is older than `SECONDS` (or a duration like 5m)", web.DefaultStale),
			&cli.StringFlag{
				Name:      "access-log",
				Usage:     "append a line per request in the Common Log Format to `FILE` (- for stdout)",
				TakesFile: true,
			},
			&cli.IntFlag{
				Name:  "live-clients",
				Usage: "stream the live range to at most `N` clients at once (0 turns it off)",
				Value: live.DefaultClients,
			},
			secondsFlag("live-window", "the live range shows the last `SECONDS` (or a duration like 10m)", live.DefaultWindow),
			&cli.StringFlag{
				Name:      "auth",
				Usage:     "require HTTP basic auth: `USER:BCRYPT-HASH`, or a file of such lines",
				TakesFile: true,
			},
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			return Serve(ctx, ServeOptions{
				DataDir:     cmd.String("data"),
				Listen:      cmd.String("listen"),
				Refresh:     flagSeconds(cmd, "refresh"),
				Stale:       flagSeconds(cmd, "stale"),
				Auth:        cmd.String("auth"),
				AccessLog:   cmd.String("access-log"),
				LiveClients: int(cmd.Int("live-clients")),
				LiveWindow:  flagSeconds(cmd, "live-window"),
			}, cmd.Root().Writer, cmd.Root().ErrWriter)
		}),
	}
}

// Serve serves the store in o.DataDir over HTTP until ctx is done, then
// shuts down gracefully: it stops accepting connections and waits up to 10
// s for the requests in progress. It writes one line to stderr when it
// listens (with the address, which tells the port of ":0"), a warning when
// it listens beyond loopback without authentication, and errors of
// requests that failed on the server's side. With o.AccessLog "-" the
// access log goes to stdout.
func Serve(ctx context.Context, o ServeOptions, stdout, stderr io.Writer) error {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	set := web.Settings{Listen: o.Listen, Refresh: o.Refresh, Stale: o.Stale, LiveClients: o.LiveClients, LiveWindow: o.LiveWindow}
	if err := set.Check(); err != nil {
		return usageOf(err)
	}
	var auth *web.Auth
	if o.Auth != "" {
		a, err := web.ParseAuth(o.Auth)
		if err != nil {
			return usagef("invalid --auth: %v", err)
		}
		auth = a
	}
	var accessLog io.Writer
	switch o.AccessLog {
	case "":
	case "-":
		accessLog = stdout
	default:
		f, err := os.OpenFile(o.AccessLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return fmt.Errorf("serve: access log: %w", err)
		}
		defer f.Close()
		accessLog = f
	}
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()

	ln, err := net.Listen("tcp", set.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	errLog := log.New(stderr, "srvmon: ", 0)
	hub, err := web.StartLive(set, store, func(err error) { errLog.Printf("live: %v", err) })
	if err != nil {
		ln.Close()
		return fmt.Errorf("serve: %w", err)
	}
	if hub != nil {
		defer hub.Close()
	}
	handler := web.New(store, web.Options{
		Refresh:   set.Refresh,
		Stale:     set.Stale,
		Auth:      auth,
		LocalOnly: web.IsLoopback(ln.Addr()) && auth == nil,
		Version:   version(),
		ErrorLog:  errLog,
		AccessLog: accessLog,
		Live:      hub,
	})
	return serveOn(ctx, ln, handler, auth != nil, o.DataDir, stderr, errLog)
}

// serveOn says on stderr where it serves (and warns when that is beyond
// this host without authentication), then serves handler on ln until ctx
// is done (web.Serve).
func serveOn(ctx context.Context, ln net.Listener, handler http.Handler, authed bool, dir string, stderr io.Writer, errLog *log.Logger) error {
	addr := ln.Addr().String()
	if !authed && !web.IsLoopback(ln.Addr()) {
		fmt.Fprintf(stderr, "srvmon: warning: listening on %s, beyond this host, without --auth: anyone who can reach it can read this host's metrics; add --auth USER:BCRYPT-HASH or listen on 127.0.0.1\n", addr)
	}
	fmt.Fprintf(stderr, "srvmon: serving %s on http://%s/\n", dir, addr)
	if err := web.Serve(ctx, ln, handler, errLog); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
