package sampler

import (
	"context"
	"fmt"
	"syscall"
)

func init() {
	register("uname", true, func() collector { return unameCollector{uname: syscall.Uname} })
}

// unameCollector records uname(2) as node_exporter's node_uname_info: a
// kernel update or a host rename shows as a new series.
type unameCollector struct {
	uname func(*syscall.Utsname) error
}

func (c unameCollector) update(_ context.Context, r *run) error {
	var u syscall.Utsname
	if err := c.uname(&u); err != nil {
		return fmt.Errorf("uname: %w", err)
	}
	r.add("node_uname_info", 1,
		"domainname", utsString(u.Domainname[:]),
		"machine", utsString(u.Machine[:]),
		"nodename", utsString(u.Nodename[:]),
		"release", utsString(u.Release[:]),
		"sysname", utsString(u.Sysname[:]),
		"version", utsString(u.Version[:]))
	return nil
}

// utsString returns the NUL-terminated string in b (int8 on most
// architectures, uint8 on arm and others).
func utsString[T int8 | uint8](b []T) string {
	buf := make([]byte, 0, len(b))
	for _, c := range b {
		if c == 0 {
			break
		}
		buf = append(buf, byte(c))
	}
	return string(buf)
}
