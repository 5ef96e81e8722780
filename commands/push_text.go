// What push prints: its warnings and notes, its summary, the dry run, the
// progress line.

package commands

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/srvmon/srvmon/tsdb/remote"
)

func positionText(t time.Time) string {
	if t.IsZero() {
		return "the start (nothing was acknowledged yet)"
	}
	return t.Format(time.RFC3339)
}

// summary says what a push did in one line.
func summary(url string, r remote.Result) string {
	if r.Samples == 0 && r.Duplicates == 0 {
		return fmt.Sprintf("nothing new to push to %s (up to %s)", url, r.Position.Acked.Format(time.RFC3339))
	}
	secs := max(r.Elapsed.Seconds(), 1e-3)
	s := fmt.Sprintf("pushed %d samples of %d series (%s to %s) to %s in %d requests, %s: %.0f samples/s, %.2f bytes/sample",
		r.Samples, r.Series, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), url, r.Requests,
		r.Elapsed.Round(time.Millisecond), float64(r.Samples)/secs, float64(r.Bytes)/float64(max(r.Samples, 1)))
	if r.Retries > 0 {
		s += fmt.Sprintf(", %d retries", r.Retries)
	}
	if r.Duplicates > 0 {
		s += fmt.Sprintf(", %d samples already stored", r.Duplicates)
	}
	return s
}

// printDryRun prints one line per series that would be sent and a total.
func printDryRun(w io.Writer, url string, r remote.Result) error {
	if _, err := fmt.Fprintf(w, "# dry run: would push to %s the samples from %s to %s (position %s)\n",
		url, r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), positionText(r.Position.Acked)); err != nil {
		return err
	}
	for _, c := range r.PerSeries {
		if _, err := fmt.Fprintf(w, "%s %d samples %s .. %s\n", c.Series.Key(), c.Samples,
			c.First.Format(time.RFC3339), c.Last.Format(time.RFC3339)); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "# %d samples of %d series in %d requests, %d bytes (%.2f bytes/sample)\n",
		r.Samples, r.Series, r.Requests, r.Bytes, float64(r.Bytes)/float64(max(r.Samples, 1)))
	return err
}

// progressLine keeps one line on a terminal up to date, at most a few times
// a second.
type progressLine struct {
	w     io.Writer
	last  time.Time
	shown bool
}

func (p *progressLine) update(pr remote.Progress) {
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\033[K%s", progressText(pr))
	p.shown = true
}

func (p *progressLine) clear() {
	if p != nil && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// progressText is the progress line: samples sent, how far in the range,
// rate, and the time left estimated from the share of the range done.
func progressText(pr remote.Progress) string {
	span := pr.To.Sub(pr.From)
	done := 1.0
	if span > 0 {
		done = float64(pr.Through.Sub(pr.From)) / float64(span)
	}
	secs := pr.Elapsed.Seconds()
	s := fmt.Sprintf("pushed %d samples, up to %s (%.0f%%)", pr.Samples, pr.Through.Format("2006-01-02 15:04"), done*100)
	if secs > 0 {
		s += fmt.Sprintf(", %.0f samples/s", float64(pr.Samples)/secs)
	}
	if done > 0 && done < 1 {
		eta := time.Duration(float64(pr.Elapsed) * (1 - done) / done)
		s += ", ETA " + eta.Round(time.Second).String()
	}
	return s
}

// pushOutcome says what a push did: its warnings and notes on stderr, the
// dry run on stdout, a summary with o.Verbose or o.Progress; and returns
// its error as Push does (none for a push skipped because another runs).
func pushOutcome(o PushOptions, res remote.Result, err error, stdout, stderr io.Writer) error {
	redacted := remote.Redacted(o.Push.URL)
	if !res.FuturePosition.IsZero() {
		fmt.Fprintf(stderr, "srvmon: warning: the push position for %s was %s, after now: the clock was ahead during an earlier push. Pushing from %s on; samples recorded since then with earlier times were not sent (send them with --since)\n",
			redacted, res.FuturePosition.Format(time.RFC3339), res.From.Format(time.RFC3339))
	}
	if errors.Is(err, remote.ErrBusy) {
		fmt.Fprintf(stderr, "srvmon: push to %s skipped: %v\n", redacted, err)
		return nil
	}
	if err != nil {
		var pe *remote.PushError
		if errors.As(err, &pe) {
			return fmt.Errorf("push to %s: %w; the position stays at %s, where the next push resumes",
				redacted, err, positionText(pe.Acked))
		}
		return fmt.Errorf("push to %s: %w", redacted, err)
	}
	if res.UntilCut {
		fmt.Fprintf(stderr, "srvmon: note: --until %s is later than 30 s before the push began; pushed up to %s (the next push sends the rest)\n",
			o.Push.Until.Format(time.RFC3339), res.To.Format(time.RFC3339))
	}
	if o.Push.DryRun {
		return printDryRun(stdout, redacted, res)
	}
	if o.Verbose || o.Progress {
		fmt.Fprintf(stderr, "srvmon: %s\n", summary(redacted, res))
	}
	return nil
}
