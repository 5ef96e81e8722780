package commands

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/remote"
)

// PushOptions are the settings of Push.
type PushOptions struct {
	DataDir string
	// Push is what to send where, as the flags give it: Push.URL "" is a
	// usage error, Push.Until zero means now less 30 s.
	Push     remote.Settings
	Verbose  bool // print a summary line
	Progress bool // update a progress line on stderr (a terminal)
}

// Environment variables of push, so that secrets stay out of crontabs and
// process lists.
const (
	envPushURL      = "SRVMON_PUSH_URL"
	envPushPassword = "SRVMON_PUSH_PASSWORD"
	envPushToken    = "SRVMON_PUSH_TOKEN"
)

func newPushCommand() *cli.Command {
	return &cli.Command{
		Name:  "push",
		Usage: "send what was recorded since the last push to Prometheus, VictoriaMetrics, Mimir or Thanos (remote write)",
		Description: `push sends the store's samples to a Prometheus remote-write 1.0 receiver,
with the node_exporter metric names the store holds, and remembers how far
the receiver acknowledged them (in DIR/push-HASH.json, one file per URL).
Run it from cron every few minutes next to "srvmon record": each run sends
what was recorded since the last acknowledged push, oldest first, in batches;
after an outage the next run sends the backlog. It prints nothing on success
unless -v is given or stderr is a terminal (then a progress line).

Which samples: by sample time, from the position of the last push (the first
push sends the whole store) to 30 s before now; --since and --until choose
another range (samples before --since that were never sent are skipped for
good). Samples recorded late with older times (srvmon import, a clock set
back) are not sent unless a --since or --overlap range covers them. An
--until later than 30 s before now is cut there, with a note on stderr.
--since and --until take the times query takes (2024-05-01 is local
midnight, yesterday, 16:20, -6h, now, RFC 3339).

At least once: the position moves only after the receiver acknowledged. A
push that is killed re-sends from the last position; receivers ignore or
refuse the copies (Prometheus answers "out of order sample" without an
out-of-order window; push counts those as already stored).

Errors: network errors, 5xx and 429 are retried with backoff (honouring
Retry-After) for up to --retry-for per request; then push exits 1 and the
next run resumes. Other 4xx stop it at once with the receiver's message.
A wrong flag, or a file a flag names (password, token, CA, certificate)
that cannot be read or is empty, exits 2 before anything is read or sent.

Receivers:
  Prometheus:       --web.enable-remote-write-receiver, and for backlogs
                    older than an hour (outages, the first push of a store's
                    history) in prometheus.yml:
                      storage: {tsdb: {out_of_order_time_window: 30d}}
                    URL http://HOST:9090/api/v1/write
  VictoriaMetrics:  URL http://HOST:8428/api/v1/write; samples older than
                    -retentionPeriod are dropped
  Mimir, Cortex:    URL http://HOST/api/v1/push, --header "X-Scope-OrgID: T"
  Thanos receive:   URL http://HOST:19291/api/v1/receive

Only one push per URL runs at a time: another waits up to --lock-timeout,
then exits 0 and says so. The URL can also come from $SRVMON_PUSH_URL, the
basic auth password from $SRVMON_PUSH_PASSWORD and the bearer token from
$SRVMON_PUSH_TOKEN. HTTP(S)_PROXY are honoured.

Examples:
  */5 * * * * srvmon push --url https://metrics.example/api/v1/write --label job=node
  srvmon push --url http://prom:9090/api/v1/write --dry-run
  srvmon push --url http://vm:8428/api/v1/write --since 2024-05-01 --until 2024-05-02
  srvmon push --url https://mimir.example/api/v1/push --header "X-Scope-OrgID: ops" \
              --basic-auth-user ops --basic-auth-password-file /etc/srvmon/password`,
		DisableSliceFlagSeparator: true,
		Flags: []cli.Flag{
			dataFlag(),
			&cli.StringFlag{Name: "url", Usage: "remote-write endpoint `URL`", Sources: cli.EnvVars(envPushURL)},
			timeFlag("since", "send samples from `TIME` on instead of from the last push", "the last push"),
			timeFlag("until", "send samples before `TIME`", "now less 30s"),
			&cli.DurationFlag{Name: "overlap", Usage: "re-send `DURATION` before the last push's end each time (for late samples; needs a receiver that accepts out-of-order samples)"},
			&cli.StringSliceFlag{Name: "label", Usage: "add the external label `NAME=VALUE` to every series (repeatable; a series' own label wins)"},
			&cli.StringSliceFlag{Name: "header", Usage: "send the header `\"NAME: VALUE\"` with every request (repeatable)"},
			&cli.StringFlag{Name: "basic-auth-user", Usage: "basic auth `USER`"},
			&cli.StringFlag{Name: "basic-auth-password-file", Usage: "read the basic auth password from `FILE`", TakesFile: true},
			&cli.StringFlag{Name: "bearer-token-file", Usage: "read the bearer token from `FILE`", TakesFile: true},
			&cli.StringFlag{Name: "ca-file", Usage: "trust the CA certificates in PEM `FILE`", TakesFile: true},
			&cli.StringFlag{Name: "cert-file", Usage: "client certificate PEM `FILE` (with --key-file)", TakesFile: true},
			&cli.StringFlag{Name: "key-file", Usage: "client key PEM `FILE`", TakesFile: true},
			&cli.StringFlag{Name: "server-name", Usage: "expect `NAME` in the server's certificate"},
			&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "do not verify the server's certificate"},
			&cli.DurationFlag{Name: "timeout", Usage: "give up a request after `DURATION`", Value: remote.DefaultTimeout},
			&cli.DurationFlag{Name: "retry-for", Usage: "retry a failing request for up to `DURATION`", Value: remote.DefaultRetryFor},
			&cli.IntFlag{Name: "batch-size", Usage: "send at most `N` samples per request", Value: remote.DefaultBatchSize},
			&cli.DurationFlag{Name: "lock-timeout", Usage: "wait at most `DURATION` for another push to the same URL", Value: 10 * time.Second},
			&cli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print what would be sent, per series; send nothing"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print a summary of what was sent"},
		},
		Action: withoutArgs(func(ctx context.Context, cmd *cli.Command) error {
			stderr := cmd.Root().ErrWriter
			return Push(ctx, PushOptions{
				DataDir: cmd.String("data"),
				Push: remote.Settings{
					Options: remote.Options{
						URL:       cmd.String("url"),
						Since:     flagTime(cmd, "since"),
						Until:     flagTime(cmd, "until"),
						Overlap:   cmd.Duration("overlap"),
						RetryFor:  cmd.Duration("retry-for"),
						BatchSize: cmd.Int("batch-size"),
						LockWait:  cmd.Duration("lock-timeout"),
						DryRun:    cmd.Bool("dry-run"),
					},
					Client: remote.ClientOptions{
						Timeout:            cmd.Duration("timeout"),
						BasicAuthUser:      cmd.String("basic-auth-user"),
						BasicAuthPassword:  os.Getenv(envPushPassword),
						BearerToken:        os.Getenv(envPushToken),
						CAFile:             cmd.String("ca-file"),
						CertFile:           cmd.String("cert-file"),
						KeyFile:            cmd.String("key-file"),
						ServerName:         cmd.String("server-name"),
						InsecureSkipVerify: cmd.Bool("insecure-skip-verify"),
						UserAgent:          "srvmon/" + version(),
					},
					LabelSpecs:            cmd.StringSlice("label"),
					HeaderSpecs:           cmd.StringSlice("header"),
					BasicAuthPasswordFile: cmd.String("basic-auth-password-file"),
					BearerTokenFile:       cmd.String("bearer-token-file"),
				},
				Verbose:  cmd.Bool("verbose"),
				Progress: onTerminal(stderr),
			}, cmd.Root().Writer, stderr)
		}),
	}
}

// Push sends the samples of the store in o.DataDir to o.Push.URL (see
// 'srvmon help push'). With o.Push.DryRun it prints what it would send to
// stdout. Otherwise it prints nothing on success unless o.Verbose or
// o.Progress. Wrong settings, and credential or TLS files that cannot be
// read, give a *usageError before the store is read.
func Push(ctx context.Context, o PushOptions, stdout, stderr io.Writer) error {
	if err := checkDataDir(o.DataDir); err != nil {
		return err
	}
	if o.Push.URL == "" {
		return usagef("no receiver: pass --url URL (or set %s), for example --url http://prometheus:9090/api/v1/write", envPushURL)
	}
	job, err := remote.Prepare(o.Push)
	if err != nil {
		return &usageError{msg: param.Render(err, flagName) + "; run 'srvmon push --help'"}
	}
	defer job.Close()
	store, err := openStore(o.DataDir)
	if err != nil {
		return err
	}
	defer store.Close()
	var bar *progressLine
	var progress func(remote.Progress)
	if o.Progress && !o.Push.DryRun {
		bar = &progressLine{w: stderr}
		progress = bar.update
	}
	res, err := job.Run(ctx, store, progress)
	bar.clear()
	return pushOutcome(o, res, err, stdout, stderr)
}
