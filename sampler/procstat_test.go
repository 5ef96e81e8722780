package sampler

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    *procStat
		wantErr string
	}{
		{
			name: "Full",
			data: "cpu  10 20 30 40 50 60 70 80 90 100\n" +
				"cpu0 1 2 3 4 5 6 7 8 9 10\n" +
				"cpu12 11 12 13 14 15 16 17 18 19 20\n" +
				"intr 9876 1 2 3\nctxt 555\nbtime 1700000000\nprocesses 42\n" +
				"procs_running 3\nprocs_blocked 1\nsoftirq 1 2 3\n",
			want: &procStat{
				total: cpuTicks{ticks: [10]uint64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}},
				cpus: []cpuTicks{
					{cpu: "0", ticks: [10]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
					{cpu: "12", ticks: [10]uint64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}},
				},
				intr: 9876, ctxt: 555, btime: 1700000000, processes: 42, procsRunning: 3, procsBlocked: 1,
				has: hasTotal | hasIntr | hasCtxt | hasBtime | hasProcesses | hasProcsRunning | hasProcsBlocked,
			},
		},
		{
			// Linux 2.4: four columns only; no trailing newline.
			name: "OldKernelColumns",
			data: "cpu 1 2 3 4\ncpu0 1 2 3 4",
			want: &procStat{
				total: cpuTicks{ticks: [10]uint64{1, 2, 3, 4}},
				cpus:  []cpuTicks{{cpu: "0", ticks: [10]uint64{1, 2, 3, 4}}},
				has:   hasTotal,
			},
		},
		{
			name: "ExtraColumnsAndUnknownLines",
			data: "cpu 1 2 3 4 5 6 7 8 9 10 11 12\ncpufreq 7\n\nfoo bar\n",
			want: &procStat{total: cpuTicks{ticks: [10]uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}, has: hasTotal},
		},
		{name: "NoCPULine", data: "ctxt 5\n", wantErr: "no cpu line"},
		{name: "TooFewColumns", data: "cpu 1 2 3\n", wantErr: "at least 4"},
		{name: "BadNumber", data: "cpu 1 2 x 4\n", wantErr: "cpu system"},
		{name: "BadCounter", data: "cpu 1 2 3 4\nctxt -1\n", wantErr: "ctxt"},
		{name: "Empty", data: "", wantErr: "no cpu line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat(tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
