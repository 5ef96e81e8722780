package sampler

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func init() {
	register("hwmon", true, func() collector { return hwmonCollector{} })
}

// hwmonCollector reads temperatures, fan speeds and voltages of the
// hardware monitoring chips in /sys/class/hwmon (sar -m TEMP,FAN,IN), with
// node_exporter's names and chip labels. A host without sensors (most
// VMs) has no chips: the collector then records nothing and succeeds.
type hwmonCollector struct{}

// hwmonKinds are the sensor types srvmon records: the file prefix, the
// metric and the factor from the kernel's unit (millidegrees, rpm,
// millivolts).
var hwmonKinds = [...]struct {
	prefix, metric string
	scale          float64
}{
	{"temp", "node_hwmon_temp_celsius", 1e-3},
	{"fan", "node_hwmon_fan_rpm", 1},
	{"in", "node_hwmon_in_volts", 1e-3},
}

func (hwmonCollector) update(_ context.Context, r *run) error {
	base := filepath.Join(r.sys, "class/hwmon")
	entries, err := r.readSysDir("class/hwmon")
	if err != nil {
		return err
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		chip := hwmonChip(dir)
		if chip == "" {
			continue
		}
		if name, ok, _ := r.readSysOptional(filepath.Join("class/hwmon", e.Name(), "name")); ok {
			r.add("node_hwmon_chip_names", 1, "chip", chip, "chip_name", cleanMetricName(name))
		}
		// Older drivers put the sensor files in device/.
		for _, d := range []string{dir, filepath.Join(dir, "device")} {
			if err := hwmonSensors(r, d, chip); err != nil {
				return err
			}
		}
	}
	return nil
}

// hwmonSensors records the *_input sensors (and their labels) in dir.
func hwmonSensors(r *run, dir, chip string) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return nil // no device/ directory
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.Name())
	}
	for _, name := range names {
		sensor, ok := strings.CutSuffix(name, "_input")
		if !ok {
			continue
		}
		for _, k := range hwmonKinds {
			num, ok := strings.CutPrefix(sensor, k.prefix)
			if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
				continue
			}
			data, err := r.readFile(filepath.Join(dir, name))
			if err != nil {
				break // a sensor that cannot be read now (EAGAIN, ENODATA, EIO) is left out
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(data), 64)
			if err != nil {
				break
			}
			r.add(k.metric, v*k.scale, "chip", chip, "sensor", sensor)
			if slices.Contains(names, sensor+"_label") {
				if l, err := r.readFile(filepath.Join(dir, sensor+"_label")); err == nil && strings.TrimSpace(l) != "" {
					r.add("node_hwmon_sensor_label", 1, "chip", chip, "label", strings.TrimSpace(l), "sensor", sensor)
				}
			}
			break
		}
	}
	return nil
}

// hwmonChip returns node_exporter's chip label of the hwmon directory dir:
// from the device it belongs to (bus type and device name, stable across
// boots, unlike the hwmonN number), else from its name file, else hwmonN.
func hwmonChip(dir string) string {
	if dev, err := filepath.EvalSymlinks(filepath.Join(dir, "device")); err == nil {
		prefix, devName := filepath.Split(dev)
		devType := filepath.Base(strings.TrimRight(prefix, "/"))
		name, typ := cleanMetricName(devName), cleanMetricName(devType)
		if name != "" && typ != "" {
			return typ + "_" + name
		}
		if name != "" {
			return name
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "name")); err == nil {
		if name := cleanMetricName(string(b)); name != "" {
			return name
		}
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return cleanMetricName(filepath.Base(real))
	}
	return ""
}

// cleanMetricName lowercases s, replaces every character but [a-z0-9:_]
// with an underscore and trims underscores, as node_exporter does for
// chip names.
func cleanMetricName(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ':' || c == '_') {
			b[i] = '_'
		}
	}
	return strings.Trim(string(b), "_")
}
