// Package tstorage provides goroutine safe capabilities of insertion into and retrieval
// from the time-series storage.
package tstorage
