package sampler

import (
	"testing"
)

func TestBootFixture(t *testing.T) {
	got, errs := collect(t, fixtureCtx(t, "testdata/proc"), "boot")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	checkSamples(t, got, map[string]float64{
		key("node_boot_time_seconds"): 1418183276,
		key("srvmon_boot_info", "boot_id", "0f1a7f3e-2c5d-4e8b-9a61-3b2f0c9d8e71"): 1,
	})
}

func TestConvertBoot(t *testing.T) {
	withBtime := &procStat{btime: 1700000000, has: hasTotal | hasBtime}
	tests := []struct {
		name    string
		st      *procStat
		bootID  string
		wantID  string
		wantErr bool
	}{
		{name: "Newline", st: withBtime, bootID: "a-b-c\n", wantID: "a-b-c"},
		{name: "NoNewline", st: withBtime, bootID: "a-b-c", wantID: "a-b-c"},
		{name: "Empty", st: withBtime, bootID: "\n", wantErr: true},
		{name: "TwoWords", st: withBtime, bootID: "a b\n", wantErr: true},
		{name: "NoBtime", st: &procStat{has: hasTotal}, bootID: "a-b-c\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{instance: testInstance}
			err := convertBoot(tt.st, tt.bootID, r)
			if tt.wantErr {
				if err == nil || len(r.samples) != 0 {
					t.Errorf("error = %v, samples = %v; want an error and no samples", err, r.samples)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSamples(t, byKey(t, r.samples), map[string]float64{
				key("node_boot_time_seconds"):                 1700000000,
				key("srvmon_boot_info", "boot_id", tt.wantID): 1,
			})
		})
	}
}
