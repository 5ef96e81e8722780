package sampler

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	register("thermal", true, func() collector { return thermalCollector{} })
}

// thermalCollector reads the temperature of each thermal zone in
// /sys/class/thermal as node_exporter's node_thermal_zone_temp. A host
// without zones records nothing; a zone whose sensor cannot be read right
// now (some answer EAGAIN or ENODATA) is left out of this sample set.
type thermalCollector struct{}

func (thermalCollector) update(_ context.Context, r *run) error {
	base := filepath.Join(r.sys, "class/thermal")
	entries, err := r.readSysDir("class/thermal")
	if err != nil {
		return err
	}
	for _, e := range entries {
		zone, ok := strings.CutPrefix(e.Name(), "thermal_zone")
		if !ok {
			continue // cooling_device*
		}
		typ, err := r.readFile(filepath.Join(base, e.Name(), "type"))
		if err != nil {
			continue
		}
		temp, err := r.readFile(filepath.Join(base, e.Name(), "temp"))
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(temp), 10, 64)
		if err != nil {
			continue
		}
		r.add("node_thermal_zone_temp", float64(v)/1000, "type", strings.TrimSpace(typ), "zone", zone)
	}
	return nil
}
