// Settings as a user writes them (a command line, a config file): external
// labels as NAME=VALUE, headers as "Name: value", a URL to show.

package remote

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
)

// parseLabels parses external labels written NAME=VALUE, for
// Options.Labels (which Options.Check checks further). A spec without "="
// is a *param.Error on "label".
func parseLabels(specs []string) ([]tsdb.Label, error) {
	var ls []tsdb.Label
	for _, s := range specs {
		name, value, ok := strings.Cut(s, "=")
		if !ok {
			return nil, &param.Error{Param: "label", Value: strconv.Quote(s),
				Valid: "use NAME=VALUE with a label name like job and a value that is not empty"}
		}
		ls = append(ls, tsdb.Label{Name: name, Value: value})
	}
	return ls, nil
}

// parseHeaders parses request headers written "Name: value", for
// ClientOptions.Headers. A spec without a colon, or with an empty name or
// one holding a space, is a *param.Error on "header".
func parseHeaders(specs []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range specs {
		name, value, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, &param.Error{Param: "header", Value: strconv.Quote(s), Valid: `use "Name: value"`}
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return h, nil
}

// Redacted returns rawURL with its password masked, as push states and
// messages show it.
func Redacted(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	return rawURL
}
