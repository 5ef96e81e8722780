// Package param has the error a library returns when a parameter of its
// caller is wrong or is the way out of a failure. The library names the
// parameter as its options do ("from", "batch-size"); each front end spells
// it its own way: the command line as --from, serve's API as from=. So no
// library string mentions a command-line flag.
//
// It is a leaf package under tsdb, the lowest layer, so that every library
// package (tsdb/query, tsdb/remote, report/web) can return the same type
// and commands can render all of them with one function.
package param

import "strings"

// Error is a wrong parameter value, or a failure whose remedy is a
// parameter. In Reason and Valid, {param} stands for the parameter as the
// front end spells it, and {name} for the parameter called name.
type Error struct {
	Param  string // the parameter, as the library's options name it
	Value  string // the value given, as text; "" when the error is not about a value
	Reason string // what is wrong with the value, or what happened
	Valid  string // what is valid, or what to do
	Err    error  // the error behind it, if any
}

// Error renders e with the parameter's plain name.
func (e *Error) Error() string { return e.Format(func(p string) string { return p }) }

// Unwrap returns the error behind e.
func (e *Error) Unwrap() error { return e.Err }

// Format renders e with the parameter spelled by spell: for a value
// "invalid <param> <value>: <reason>; <valid>"; otherwise
// "<reason> (<valid>): <err>", or "<err> (<valid>)" without a reason.
func (e *Error) Format(spell func(param string) string) string {
	p := spell(e.Param)
	sub := func(s string) string { return spellAll(s, e.Param, spell) }
	var b strings.Builder
	switch {
	case e.Value != "" || (e.Reason == "" && e.Err == nil):
		b.WriteString("invalid " + p)
		if e.Value != "" {
			b.WriteString(" " + e.Value)
		}
		if e.Reason != "" {
			b.WriteString(": " + sub(e.Reason))
		}
		if e.Valid != "" {
			b.WriteString("; " + sub(e.Valid))
		}
		if e.Err != nil {
			b.WriteString(": " + e.Err.Error())
		}
	case e.Reason == "":
		b.WriteString(e.Err.Error())
		if e.Valid != "" {
			b.WriteString(" (" + sub(e.Valid) + ")")
		}
	default:
		b.WriteString(sub(e.Reason))
		if e.Valid != "" {
			b.WriteString(" (" + sub(e.Valid) + ")")
		}
		if e.Err != nil {
			b.WriteString(": " + e.Err.Error())
		}
	}
	return b.String()
}

// spellAll replaces {param} in s by param and every {name} (lower-case
// letters, digits and dashes) by name, as spell spells them.
func spellAll(s, param string, spell func(string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		j := strings.IndexByte(s[i+1:], '}') + i + 1
		if i < 0 || j <= i || !isName(s[i+1:j]) {
			if i < 0 || j <= i {
				return b.String() + s
			}
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		name := s[i+1 : j]
		if name == "param" {
			name = param
		}
		b.WriteString(s[:i] + spell(name))
		s = s[j+1:]
	}
}

func isName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != ""
}

// Render returns err's text with every *Error in its chain spelled by
// spell, for a front end to show.
func Render(err error, spell func(param string) string) string {
	msg := err.Error()
	for e := err; e != nil; {
		if pe, ok := e.(*Error); ok {
			msg = strings.Replace(msg, pe.Error(), pe.Format(spell), 1)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			e = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, ue := range u.Unwrap() {
				msg = strings.Replace(msg, ue.Error(), Render(ue, spell), 1)
			}
			e = nil
		default:
			e = nil
		}
	}
	return msg
}
