package tsdb

import (
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"
)

// cachedHead is a head log decoded so far, kept between reads so that a
// long-running reader (serve) decodes only what was appended since its last
// read instead of the whole day each time.
type cachedHead struct {
	mu     sync.Mutex
	ino    uint64
	end    int64  // bytes of the file decoded
	tail   []byte // the last bytes decoded, to notice a rewrite
	parser *headParser
}

// readHead returns the decoded head log of day: a snapshot that later
// appends do not change. It returns an error wrapping fs.ErrNotExist if the
// head log is gone (compacted).
func (s *Store) readHead(day int64) (*headData, error) {
	f, err := openNoFollow(s.headPath(day), os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var ino uint64
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		ino = sys.Ino
	}
	s.mu.Lock()
	c := s.heads[day]
	if c == nil || c.ino != ino {
		c = &cachedHead{ino: ino, parser: newHeadParser()}
		s.heads[day] = c
	}
	s.stats.HeadsRead++
	s.mu.Unlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.end > 0 {
		// A writer that cut a torn tail and appended may have rewritten
		// bytes we decoded: check the last ones, start over if they differ.
		buf := make([]byte, len(c.tail))
		if st.Size() < c.end {
			c.end = 0
		} else if _, err := f.ReadAt(buf, c.end-int64(len(buf))); err != nil || string(buf) != string(c.tail) {
			c.end = 0
		}
		if c.end == 0 {
			c.parser = newHeadParser()
		}
	}
	if st.Size() > c.end {
		buf := make([]byte, st.Size()-c.end)
		n, err := f.ReadAt(buf, c.end)
		if err != nil && err != io.EOF {
			return nil, err
		}
		// The points slices are shared with earlier snapshots; appending
		// only writes past their lengths, so give the parser a new map.
		c.parser.h = &headData{points: maps.Clone(c.parser.h.points), unsorted: maps.Clone(c.parser.h.unsorted), damage: slices.Clone(c.parser.h.damage)}
		used := c.parser.feed(buf[:n])
		c.end += int64(used)
		if used > 0 {
			c.tail = append(c.tail[:0], buf[max(0, used-16):used]...)
		}
	}
	h := c.parser.result()
	if st.Size() > c.end && time.Since(st.ModTime()) > settleTime {
		// Bytes after the last valid record that are not a write in
		// progress.
		tail := make([]byte, min(st.Size()-c.end, maxRecord+recOverhead+1))
		n, _ := f.ReadAt(tail, c.end)
		if r := tailReason(tail[:n]); r != "" {
			h.damage = append(h.damage, headDamage{from: c.parser.after(), reason: r})
		}
	}
	return h, nil
}

// forgetHeads drops cached head logs of days that have none any more.
func (s *Store) forgetHeads(days []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.heads) == 0 {
		return
	}
	keep := make(map[int64]bool, len(days))
	for _, d := range days {
		keep[d] = true
	}
	for d := range s.heads {
		if !keep[d] {
			delete(s.heads, d)
		}
	}
}
