package sampler

import (
	"fmt"
	"strings"
	"syscall"
	"unsafe"
)

// linkDumpKey caches the rtnetlink link dump in run.files beside the files
// read: it is no file name, so no file can take its place.
const linkDumpKey = "\x00rtnetlink RTM_GETLINK"

// linkDump returns the kernel's RTM_GETLINK dump of this network
// namespace, asking once per run: netclass (link state) and netdev
// (rx_nohandler, which /proc/net/dev lacks) both read it.
func (r *run) linkDump() ([]byte, error) {
	if s, ok := r.files[linkDumpKey]; ok {
		return unsafe.Slice(unsafe.StringData(s), len(s)), nil // read only, never copied
	}
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("netlink RTM_GETLINK: %w", err)
	}
	if r.files == nil {
		r.files = make(map[string]string, 8)
	}
	if len(rib) > 0 {
		r.files[linkDumpKey] = unsafe.String(&rib[0], len(rib)) // rib is not written to again
	}
	return rib, nil
}

// iflaStats64 is the attribute of a link's struct rtnl_link_stats64
// (linux/if_link.h); rx_nohandler is its 24th counter (kernel 4.6 on).
const (
	iflaStats64       = 23
	stats64NoHandler  = 23 * 8
	stats64WithNoHand = stats64NoHandler + 8
)

// parseLinkNoHandler returns rx_nohandler by interface name from an
// RTM_GETLINK dump; an interface whose kernel has no such counter (a
// shorter stats64) is left out.
func parseLinkNoHandler(rib []byte) (map[string]uint64, error) {
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, fmt.Errorf("parse netlink links: %w", err)
	}
	out := map[string]uint64{}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil, fmt.Errorf("parse netlink link attributes: %w", err)
		}
		var name string
		var v uint64
		have := false
		for _, a := range attrs {
			switch a.Attr.Type {
			case iflaIfname:
				name = strings.TrimRight(string(a.Value), "\x00")
			case iflaStats64:
				if len(a.Value) >= stats64WithNoHand {
					v, have = *(*uint64)(unsafe.Pointer(&a.Value[stats64NoHandler])), true
				}
			}
		}
		if name != "" && have {
			out[name] = v
		}
	}
	return out, nil
}
