package tstorage

// srvmon patch 7: meta.json compressed.
//
// meta.json names every series twice (the map key and "name"), each time
// as its marshalled metric name with every label, and escapes its length
// bytes as \u00XX: for a day of a host with many series (per-process and
// per-cgroup series) it was 19 % of the day's block, 0.4 KB a series.
// PartitionWriter writes it gzip-compressed and without the repeated
// name (the map key is the name); a reader tells the two forms apart by
// gzip's magic bytes (JSON starts with '{'), so partitions written before
// the patch, or by upstream, read as before. Upstream tstorage cannot read
// a compressed meta.json.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
)

// encodeMeta returns m as a compressed meta file, without the metrics'
// names (their map keys).
func encodeMeta(m *meta) ([]byte, error) {
	c := *m
	c.Metrics = make(map[string]diskMetric, len(m.Metrics))
	for k, dm := range m.Metrics {
		dm.Name = ""
		c.Metrics[k] = dm
	}
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(&c); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeMeta reads a meta file, compressed or not, into m.
func decodeMeta(r io.Reader, m *meta) error {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		if err := json.NewDecoder(zr).Decode(m); err != nil {
			return err
		}
		// gzip checks its CRC-32 at the end of the stream: read it.
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return err
		}
	} else if err := json.NewDecoder(br).Decode(m); err != nil {
		return err
	}
	for k, dm := range m.Metrics {
		if dm.Name == "" {
			dm.Name = k
			m.Metrics[k] = dm
		}
	}
	return nil
}
