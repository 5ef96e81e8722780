// Push's options: flag syntax parsed here, everything else checked by
// remote.Options.Check and remote.ClientOptions.Check.

package commands

import (
	"fmt"
	"os"
	"strings"

	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/remote"
)

// pushSettings turns o into the options of remote.Push and remote's
// client, and checks them (remote.Options.Check, remote.ClientOptions.Check).
func pushSettings(o PushOptions) (remote.Options, remote.ClientOptions, error) {
	if o.URL == "" {
		return remote.Options{}, remote.ClientOptions{}, usagef("no receiver: pass --url URL (or set %s), for example --url http://prometheus:9090/api/v1/write", envPushURL)
	}
	ro := remote.Options{URL: o.URL, Since: o.Since, Until: o.Until, Overlap: o.Overlap, BatchSize: o.BatchSize,
		RetryFor: o.RetryFor, LockWait: o.LockTimeout, DryRun: o.DryRun}
	labels, err := remote.ParseLabels(o.Labels)
	if err != nil {
		return ro, remote.ClientOptions{}, usageOf(err)
	}
	ro.Labels = labels
	if err := ro.Check(); err != nil {
		return ro, remote.ClientOptions{}, usageOf(err)
	}
	headers, err := remote.ParseHeaders(o.Headers)
	if err != nil {
		return ro, remote.ClientOptions{}, usageOf(err)
	}
	password, err := secret(o.BasicAuthPassword, o.BasicAuthPasswordFile, "--basic-auth-password-file")
	if err != nil {
		return ro, remote.ClientOptions{}, err
	}
	token, err := secret(o.BearerToken, o.BearerTokenFile, "--bearer-token-file")
	if err != nil {
		return ro, remote.ClientOptions{}, err
	}
	c := remote.ClientOptions{
		URL:                o.URL,
		Timeout:            o.Timeout,
		Headers:            headers,
		BasicAuthUser:      o.BasicAuthUser,
		BasicAuthPassword:  password,
		BearerToken:        token,
		CAFile:             o.CAFile,
		CertFile:           o.CertFile,
		KeyFile:            o.KeyFile,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify,
		UserAgent:          "srvmon/" + version(),
	}
	if err := c.Check(); err != nil {
		return ro, c, &usageError{msg: param.Render(err, flagName) + "; run 'srvmon push --help'"}
	}
	return ro, c, nil
}

// secret returns the contents of file (without the final newline) if it is
// set, else value.
func secret(value, file, flag string) (string, error) {
	if file == "" {
		return value, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", flag, file)
	}
	return s, nil
}
