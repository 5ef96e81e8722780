package tsdb

import "io/fs"

// A long-running reader (serve) opens each day block once and keeps it,
// but a block is replaced by a new generation when a late sample is
// compacted into its day, and removed by retention. The replaced ones are
// retired: forgotten at once, so that no new read finds them, and unmapped
// (tstorage patch 5) as soon as no read is in progress that may still hold
// them. A reader thus holds one mapping per day block it has read, not one
// per generation it ever saw.

// beginRead marks a read in progress and returns the function that ends
// it: blocks retired meanwhile stay mapped until no read is in progress.
func (s *Store) beginRead() func() {
	s.mu.Lock()
	s.readers++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		s.readers--
		var release []*block
		if s.readers == 0 {
			release, s.retired = s.retired, nil
		}
		s.mu.Unlock()
		for _, b := range release {
			b.release()
		}
	}
}

// retireBlocks retires the cached blocks that are not among newest, the
// newest generation of each day as just listed.
func (s *Store) retireBlocks(newest []blockRef) {
	current := make(map[string]bool, len(newest))
	for _, r := range newest {
		current[r.name] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.sums {
		if !current[name] {
			delete(s.sums, name)
		}
	}
	for name, b := range s.blocks {
		if current[name] {
			continue
		}
		delete(s.blocks, name)
		for i, x := range s.sumLRU {
			if x == b {
				s.sumLRU = append(s.sumLRU[:i], s.sumLRU[i+1:]...)
				break
			}
		}
		s.retired = append(s.retired, b)
	}
}

// release unmaps the block's tstorage files, if it opened them. No read
// may use the block any more.
func (b *block) release() {
	b.once.Do(func() { b.err = errRetired }) // never opened: never will be
	if r, ok := b.ts.(interface{ Release() error }); ok {
		r.Release()
	}
}

// errRetired is the error of a retired block that was never opened.
var errRetired = fs.ErrNotExist
