package tsdb

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DayUsage is what one UTC day of samples takes on disk: its head log (and
// mark) and every generation of its block.
type DayUsage struct {
	Day   time.Time // midnight UTC
	Bytes int64
}

// Usage is what a store takes on disk.
type Usage struct {
	Days  []DayUsage // by day, oldest first
	Other int64      // everything else: the marker, tmp/, damaged/, push and check state
	Total int64
}

// DiskUsage adds up the sizes of the store's files (apparent sizes, not
// blocks allocated), per UTC day of samples. It takes no lock.
func (s *Store) DiskUsage() (Usage, error) {
	var u Usage
	byDay := map[int64]int64{}
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != s.dir && os.IsNotExist(err) {
				return nil // removed while walking (compaction)
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		size := info.Size()
		u.Total += size
		rel, _ := filepath.Rel(s.dir, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if day, ok := usageDay(parts); ok {
			byDay[day] += size
		} else {
			u.Other += size
		}
		return nil
	})
	if err != nil {
		return Usage{}, fmt.Errorf("disk usage of %s: %w", s.dir, err)
	}
	for day, b := range byDay {
		u.Days = append(u.Days, DayUsage{Day: time.Unix(day*secondsInDay, 0).UTC(), Bytes: b})
	}
	sort.Slice(u.Days, func(i, j int) bool { return u.Days[i].Day.Before(u.Days[j].Day) })
	return u, nil
}

// usageDay returns the day a file of the store belongs to: head/DAY.log,
// head/DAY.mark, blocks/DAY.gN/...
func usageDay(parts []string) (int64, bool) {
	if len(parts) < 2 {
		return 0, false
	}
	switch parts[0] {
	case headDir:
		name := parts[1]
		if i := strings.IndexByte(name, '.'); i > 0 {
			return parseDay(name[:i])
		}
	case blocksDir:
		name := parts[1]
		if i := strings.IndexByte(name, '.'); i > 0 && len(parts) > 2 {
			return parseDay(name[:i])
		}
	}
	return 0, false
}
