package sampler

import (
	"context"
	"errors"
)

func init() {
	register("arp", true, func() collector { return arpCollector{} })
}

// arpCollector counts the entries of the kernel's ARP table per interface
// (/proc/net/arp), as node_exporter's arp collector does:
// node_arp_entries{device}.
type arpCollector struct{}

func (arpCollector) update(_ context.Context, r *run) error {
	data, ok, err := r.readProcOptional("net/arp")
	if err != nil || !ok {
		return err
	}
	devs, counts, err := parseARP(data)
	if err != nil {
		return err
	}
	for i, d := range devs {
		r.add("node_arp_entries", float64(counts[i]), "device", d)
	}
	return nil
}

// parseARP returns the interfaces of /proc/net/arp in the order they first
// appear and the number of entries of each. The first line is a header;
// the device is the sixth column.
func parseARP(data string) ([]string, []int, error) {
	var devs []string
	var counts []int
	header, data := nextLine(data)
	if f := fields(nil, header); len(f) < 6 || f[0] != "IP" {
		return nil, nil, errors.New("parse net/arp: no header line")
	}
	var f []string
	for line := range lines(data) {
		if f = fields(f, line); len(f) == 0 {
			continue
		}
		if len(f) < 6 {
			return nil, nil, errors.New("parse net/arp: a line with fewer than 6 columns")
		}
		dev := f[5]
		i := 0
		for i < len(devs) && devs[i] != dev {
			i++
		}
		if i == len(devs) {
			devs, counts = append(devs, dev), append(counts, 0)
		}
		counts[i]++
	}
	return devs, counts, nil
}
