// A push as a front end asks for it: settings as the user wrote them,
// checked and turned into Push's Options and a Client before the store is
// read.

package remote

import (
	"context"
	"os"
	"slices"
	"strings"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
)

// Settings are a push as a user writes it (a command line, a config file):
// Push's Options and its Client's, with the external labels, headers and
// credentials as written.
type Settings struct {
	// Options say what to send. Sender is left nil (Prepare makes the
	// Client), LabelSpecs are added to Labels, and Progress is Run's.
	Options
	// Client says how to send it. URL is Options.URL, HeaderSpecs are
	// added to Headers, and a credential file, when set, replaces the
	// password or token.
	Client ClientOptions

	LabelSpecs  []string // external labels, NAME=VALUE (parseLabels)
	HeaderSpecs []string // request headers, "Name: value" (parseHeaders)
	// BasicAuthPasswordFile and BearerTokenFile, when set, hold the
	// password and the token: the file's contents less the line breaks
	// at its end.
	BasicAuthPasswordFile string
	BearerTokenFile       string
}

// Job is a push whose settings were checked, ready to run.
type Job struct {
	opts   Options
	client *Client // nil for a dry run
}

// Prepare checks s, reads its credential files and, unless s.DryRun, makes
// the Client (which reads the TLS files): everything that can be wrong with
// the settings fails here, before the store is read or anything is sent.
// An error about one setting is a *param.Error naming it as Options.Check
// and ClientOptions.Check do, or "basic-auth-password-file" and
// "bearer-token-file" for a credential file that cannot be read or is
// empty.
func Prepare(s Settings) (*Job, error) {
	o, c := s.Options, s.Client
	labels, err := parseLabels(s.LabelSpecs)
	if err != nil {
		return nil, err
	}
	o.Labels = append(slices.Clip(o.Labels), labels...) // not into the caller's array
	if err := o.Check(); err != nil {
		return nil, err
	}
	c.URL = o.URL
	headers, err := parseHeaders(s.HeaderSpecs)
	if err != nil {
		return nil, err
	}
	for name, values := range c.Headers {
		headers[name] = append(headers[name], values...)
	}
	c.Headers = headers
	if c.BasicAuthPassword, err = secret(c.BasicAuthPassword, s.BasicAuthPasswordFile, "basic-auth-password-file"); err != nil {
		return nil, err
	}
	if c.BearerToken, err = secret(c.BearerToken, s.BearerTokenFile, "bearer-token-file"); err != nil {
		return nil, err
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	j := &Job{opts: o}
	if !o.DryRun {
		if j.client, err = NewClient(c); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// secret returns the contents of file (without the final newline) if it is
// set, else value. An unreadable or empty file is a *param.Error on setting.
func secret(value, file, setting string) (string, error) {
	if file == "" {
		return value, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", &param.Error{Param: setting, Reason: "{param}", Err: err}
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", &param.Error{Param: setting, Reason: "{param}: " + file + " is empty"}
	}
	return s, nil
}

// Run pushes the samples of store as Push does, calling progress (when not
// nil) after every window sent.
func (j *Job) Run(ctx context.Context, store *tsdb.Store, progress func(Progress)) (Result, error) {
	o := j.opts
	if j.client != nil {
		o.Sender = j.client
	}
	o.Progress = progress
	return Push(ctx, store, o)
}

// Close releases the Client's idle connections.
func (j *Job) Close() {
	if j.client != nil {
		j.client.Close()
	}
}
