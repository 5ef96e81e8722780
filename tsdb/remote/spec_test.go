package remote_test

import (
	"errors"
	"testing"

	"github.com/srvmon/srvmon/tsdb"
	"github.com/srvmon/srvmon/tsdb/param"
	"github.com/srvmon/srvmon/tsdb/remote"
)

func TestParseLabelsAndHeaders(t *testing.T) {
	ls, err := remote.ParseLabels([]string{"job=node", "dc=a=b"})
	if err != nil || len(ls) != 2 || ls[0] != (tsdb.Label{Name: "job", Value: "node"}) || ls[1] != (tsdb.Label{Name: "dc", Value: "a=b"}) {
		t.Errorf("ParseLabels: %v, %v", ls, err)
	}
	h, err := remote.ParseHeaders([]string{"X-Scope-OrgID: ops, eu", "x-a:b"})
	if err != nil || h.Get("X-Scope-OrgID") != "ops, eu" || h.Get("X-A") != "b" {
		t.Errorf("ParseHeaders: %v, %v", h, err)
	}
	for _, tt := range []struct {
		param string
		err   error
	}{
		{"label", second(remote.ParseLabels([]string{"job"}))},
		{"header", second(remote.ParseHeaders([]string{"X-Org"}))},
		{"header", second(remote.ParseHeaders([]string{": v"}))},
		{"header", second(remote.ParseHeaders([]string{"X Org: v"}))},
	} {
		var pe *param.Error
		if !errors.As(tt.err, &pe) || pe.Param != tt.param {
			t.Errorf("%v, want a param error on %s", tt.err, tt.param)
		}
	}
}

func second[T any](_ T, err error) error { return err }
