package web

import (
	"net/http"
	"testing"

	"github.com/prometheus/common/expfmt"
)

// TestNegotiateExpositionAsExpfmt: /metrics picks the format and spells
// the Content-Type as expfmt.Negotiate does (expfmt is linked by this test
// only).
func TestNegotiateExpositionAsExpfmt(t *testing.T) {
	for _, accept := range []string{
		"",
		"*/*",
		"text/plain",
		"text/plain;version=0.0.4",
		"text/plain;version=1.0.0",
		"application/json",
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3",
		"text/plain;version=0.0.4;q=0.3,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7",
		"text/plain;version=0.0.4;q=0.9,application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
		"application/vnd.google.protobuf;proto=other;encoding=delimited,text/plain",
		"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=allow-utf-8",
		"text/plain;version=0.0.4;escaping=dots",
		"text/plain;version=0.0.4;escaping=nosuch",
	} {
		h := http.Header{}
		if accept != "" {
			h.Set("Accept", accept)
		}
		want := string(expfmt.Negotiate(h))
		if got, _ := negotiateExposition(accept); got != want {
			t.Errorf("Accept %q: %q, expfmt %q", accept, got, want)
		}
	}
}
