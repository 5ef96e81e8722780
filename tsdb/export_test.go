package tsdb

// SetImportHook makes Import call hook as it reaches each stage
// ("staging", "commit", "join" before each day, "compact"); nil removes it.
func SetImportHook(hook func(stage string)) { testHookImport = hook }

// Stats counts the expensive things a Store did.
type Stats = storeStats

// Stats returns what the store has done so far.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
