package tsdb

import "strconv"

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

// SkipChecksums makes s treat every block present as already checked, as
// if its checksums had been verified before: benchmarks compare reads with
// and without the check.
func (s *Store) SkipChecksums() {
	newest, _, _ := s.listBlocks()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skipChecks = true
	for _, ref := range newest {
		for _, p := range []blockPart{partAll, partSummary, partData} {
			s.checked[ref.name+"/"+strconv.Itoa(int(p))] = true
		}
	}
}
