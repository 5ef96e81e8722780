// Package health computes the health of a store and of the recorder that
// fills it, for srvmon status, serve's /healthz and its page.
package health

import "time"

// MinStale is the least StaleAfter returns.
const MinStale = 5 * time.Minute

// StaleAfter is how old the newest sample may get before the store counts
// as stale (recording stopped): three recording intervals, at least
// MinStale, so that one or two missed runs are not an alarm.
func StaleAfter(interval time.Duration) time.Duration {
	return max(3*interval, MinStale)
}
