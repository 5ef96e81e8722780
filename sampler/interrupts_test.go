package sampler

import (
	"strings"
	"testing"
)

func TestInterruptsFixture(t *testing.T) {
	got := collectOK(t, fixtureCtx(t, "testdata/proc"), "interrupts")
	for k, want := range map[string]float64{
		key("node_interrupts_total", "cpu", "1", "devices", "4-edge ttyS0", "info", "IO-APIC", "type", "26"): 8,
		key("node_interrupts_total", "cpu", "0", "info", "Local timer interrupts", "type", "LOC"):            6271658,
		key("node_interrupts_total", "cpu", "1", "info", "Non-maskable interrupts", "type", "NMI"):           0,
	} {
		if g, ok := got[k]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, want)
		}
	}
	for k := range got {
		if strings.Contains(k, `type="ERR"`) {
			t.Errorf("ERR has no per-CPU columns but gave %s", k)
		}
	}
	if err := parseInterrupts("garbage\n", &run{}); err == nil {
		t.Error("a file without the CPU header was accepted")
	}
}
