package sampler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	register("netclass", true, func() collector { return netclassCollector{} })
}

// netclassCollector reads the link state of each network interface from
// /sys/class/net/<device>/: whether it is up, its carrier, speed and MTU,
// and node_network_info with its address and operational state. The net
// view uses node_network_up to tell a down interface from an idle one.
//
// Attributes a device does not have (speed of a virtual device, carrier
// of a device that is down: the kernel answers EINVAL) are left out, as
// node_exporter leaves them out. Of node_exporter's netclass series srvmon
// keeps these; the others (ifindex, link mode, device group, assign types,
// protocol type, flags, queue length) rarely change and say little.
type netclassCollector struct{}

// netIface holds the attributes of one interface that exist, as the files
// spell them without the final newline.
type netIface struct {
	device                                                      string
	operstate, address, broadcast, duplex, ifalias              string
	carrier, speed, mtu, carrierChanges, carrierUp, carrierDown string
}

func (netclassCollector) update(_ context.Context, r *run) error {
	dir := filepath.Join(r.sys, "class/net")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no sysfs in this container
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			continue // bonding_masters
		}
		ifc := netIface{device: e.Name()}
		for _, a := range [...]struct {
			file string
			dst  *string
		}{
			{"operstate", &ifc.operstate}, {"address", &ifc.address}, {"broadcast", &ifc.broadcast},
			{"duplex", &ifc.duplex}, {"ifalias", &ifc.ifalias}, {"carrier", &ifc.carrier},
			{"speed", &ifc.speed}, {"mtu", &ifc.mtu}, {"carrier_changes", &ifc.carrierChanges},
			{"carrier_up_count", &ifc.carrierUp}, {"carrier_down_count", &ifc.carrierDown},
		} {
			v, err := r.readFile(filepath.Join(dir, ifc.device, a.file))
			if err != nil {
				if absentAttr(err) {
					continue
				}
				return err
			}
			*a.dst = strings.TrimRight(v, "\n")
		}
		if err := convertNetclass(&ifc, r); err != nil {
			return err
		}
	}
	return nil
}

// absentAttr reports whether a sysfs read error means the device does not
// have the attribute (or not now): a missing file, EINVAL (carrier and
// speed of a device that is down, speed of most virtual ones), EOPNOTSUPP,
// or a device that disappeared while being read (ENODEV).
func absentAttr(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EINVAL) ||
		errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENODEV)
}

// convertNetclass emits node_network_info, node_network_up, and the
// numeric attributes the interface has. Speed is given by the kernel in
// Mbit/s (-1 when unknown) and converted to bytes per second as
// node_exporter converts it (so unknown is -125000).
func convertNetclass(ifc *netIface, r *run) error {
	d := ifc.device
	r.add("node_network_info", 1, "address", ifc.address, "broadcast", ifc.broadcast,
		"device", d, "duplex", ifc.duplex, "ifalias", ifc.ifalias, "operstate", ifc.operstate)
	up := 0.0
	if ifc.operstate == "up" {
		up = 1
	}
	r.add("node_network_up", up, "device", d)
	for _, a := range [...]struct {
		v, metric string
		scale     float64
	}{
		{ifc.carrier, "node_network_carrier", 1},
		{ifc.carrierChanges, "node_network_carrier_changes_total", 1},
		{ifc.carrierUp, "node_network_carrier_up_changes_total", 1},
		{ifc.carrierDown, "node_network_carrier_down_changes_total", 1},
		{ifc.mtu, "node_network_mtu_bytes", 1},
		{ifc.speed, "node_network_speed_bytes", 1e6 / 8},
	} {
		if a.v == "" {
			continue
		}
		n, err := strconv.ParseInt(a.v, 10, 64)
		if err != nil {
			return fmt.Errorf("parse %s of %s: %w", a.metric, d, err)
		}
		r.add(a.metric, float64(n)*a.scale, "device", d)
	}
	return nil
}
