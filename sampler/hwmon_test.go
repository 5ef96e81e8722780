package sampler

import "testing"

func TestHwmonThermalCpufreqFixture(t *testing.T) {
	got := collectOK(t, envCtx(t, "", "testdata/sys", ""), "hwmon", "thermal", "cpufreq")
	checkSamples(t, got, map[string]float64{
		key("node_hwmon_chip_names", "chip", "platform_coretemp_0", "chip_name", "coretemp"):                      1,
		key("node_hwmon_temp_celsius", "chip", "platform_coretemp_0", "sensor", "temp1"):                          45,
		key("node_hwmon_temp_celsius", "chip", "platform_coretemp_0", "sensor", "temp2"):                          43,
		key("node_hwmon_sensor_label", "chip", "platform_coretemp_0", "label", "Package id 0", "sensor", "temp1"): 1,
		key("node_hwmon_sensor_label", "chip", "platform_coretemp_0", "label", "Core 0", "sensor", "temp2"):       1,
		// No device link: the chip is named after its name file.
		key("node_hwmon_chip_names", "chip", "acpitz", "chip_name", "acpitz"):                1,
		key("node_hwmon_temp_celsius", "chip", "acpitz", "sensor", "temp1"):                  27.8,
		key("node_hwmon_chip_names", "chip", "platform_nct6775_656", "chip_name", "nct6798"): 1,
		key("node_hwmon_fan_rpm", "chip", "platform_nct6775_656", "sensor", "fan1"):          1045,
		key("node_hwmon_fan_rpm", "chip", "platform_nct6775_656", "sensor", "fan2"):          0,
		key("node_hwmon_in_volts", "chip", "platform_nct6775_656", "sensor", "in0"):          1.032,
		key("node_thermal_zone_temp", "type", "x86_pkg_temp", "zone", "0"):                   46,
		key("node_thermal_zone_temp", "type", "acpitz", "zone", "1"):                         27.8,
		// cpu2 is offline (no cpufreq directory).
		key("node_cpu_scaling_frequency_hertz", "cpu", "0"): 2.4e9,
		key("node_cpu_scaling_frequency_hertz", "cpu", "1"): 8e8,
	})
	// A VM without sensors records none and says nothing.
	if got := collectOK(t, envCtx(t, "", t.TempDir(), ""), "hwmon", "thermal", "cpufreq"); len(got) != 0 {
		t.Errorf("without sensors: %v", got)
	}
}

func TestCleanMetricName(t *testing.T) {
	for in, want := range map[string]string{"coretemp.0\n": "coretemp_0", "0000:00:18.3": "0000:00:18_3", "__A-b__": "a_b", "": ""} {
		if got := cleanMetricName(in); got != want {
			t.Errorf("cleanMetricName(%q) = %q, want %q", in, got, want)
		}
	}
}
