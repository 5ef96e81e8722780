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
		var name string
		var v uint64
		have := false
		attrs := linkAttrs{b: m.Data[syscall.SizeofIfInfomsg:]}
		for typ, val, ok := attrs.next(); ok; typ, val, ok = attrs.next() {
			switch typ {
			case iflaIfname:
				name = strings.TrimRight(string(val), "\x00")
			case iflaStats64:
				if len(val) >= stats64WithNoHand {
					v, have = *(*uint64)(unsafe.Pointer(&val[stats64NoHandler])), true
				}
			}
		}
		if attrs.err != nil {
			return nil, fmt.Errorf("parse netlink link attributes: %w", attrs.err)
		}
		if name != "" && have {
			out[name] = v
		}
	}
	return out, nil
}

// linkAttrs walks the attributes of an RTM_NEWLINK message (b: its data
// after the struct ifinfomsg) as syscall.ParseNetlinkRouteAttr reads them,
// without making the list it returns: that list was 34 KB of fresh heap a
// one-shot record (netclass and netdev each parse the dump).
type linkAttrs struct {
	b   []byte
	err error // syscall.EINVAL once an attribute's length is wrong
}

// next returns the next attribute's type and value; ok is false at the end
// or, with err set, at a malformed attribute.
func (a *linkAttrs) next() (typ uint16, value []byte, ok bool) {
	if len(a.b) < syscall.SizeofRtAttr || a.err != nil {
		return 0, nil, false
	}
	attr := (*syscall.RtAttr)(unsafe.Pointer(&a.b[0]))
	n := int(attr.Len)
	if n < syscall.SizeofRtAttr || n > len(a.b) {
		a.err = syscall.EINVAL
		return 0, nil, false
	}
	value = a.b[syscall.SizeofRtAttr:n]
	a.b = a.b[min((n+syscall.RTA_ALIGNTO-1)&^(syscall.RTA_ALIGNTO-1), len(a.b)):]
	return attr.Type, value, true
}
