package param_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/srvmon/srvmon/tsdb/param"
)

func flag(p string) string { return "--" + p }

func TestFormat(t *testing.T) {
	tests := []struct {
		err        *param.Error
		plain, cli string
	}{
		{&param.Error{Param: "last", Value: `"x"`, Reason: "not a length of time", Valid: "use 30m, 6h or 2d"},
			`invalid last "x": not a length of time; use 30m, 6h or 2d`,
			`invalid --last "x": not a length of time; use 30m, 6h or 2d`},
		{&param.Error{Param: "batch-size", Reason: "the receiver refused 5 samples", Valid: "the request is too large: lower {param}", Err: fs.ErrInvalid},
			"the receiver refused 5 samples (the request is too large: lower batch-size): invalid argument",
			"the receiver refused 5 samples (the request is too large: lower --batch-size): invalid argument"},
		{&param.Error{Param: "auth"}, "invalid auth", "invalid --auth"},
		{&param.Error{Param: "since", Reason: "{since} 1 is not before {until} 0; the range is [since, until) {x} {"},
			"since 1 is not before until 0; the range is [since, until) x {", "--since 1 is not before --until 0; the range is [since, until) --x {"},
		{&param.Error{Param: "lock-timeout", Err: fs.ErrExist, Valid: "raise {param} if this repeats"},
			"file already exists (raise lock-timeout if this repeats)", "file already exists (raise --lock-timeout if this repeats)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.plain {
			t.Errorf("Error() = %q, want %q", got, tt.plain)
		}
		if got := tt.err.Format(flag); got != tt.cli {
			t.Errorf("Format = %q, want %q", got, tt.cli)
		}
		wrapped := fmt.Errorf("push: %w", tt.err)
		if got, want := param.Render(wrapped, flag), "push: "+tt.cli; got != want {
			t.Errorf("Render = %q, want %q", got, want)
		}
	}
	joined := errors.Join(errors.New("a"), fmt.Errorf("b: %w", &param.Error{Param: "to", Value: "x"}))
	if got, want := param.Render(joined, flag), "a\nb: invalid --to x"; got != want {
		t.Errorf("Render(joined) = %q, want %q", got, want)
	}
	if !errors.Is(fmt.Errorf("x: %w", &param.Error{Param: "p", Err: fs.ErrNotExist}), fs.ErrNotExist) {
		t.Error("Unwrap does not reach Err")
	}
}
