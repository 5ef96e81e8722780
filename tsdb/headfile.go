package tsdb

import (
	"errors"
	"io"
	"os"
)

// headReadChunk is how much of a head log parseHeadFile reads at a time.
const headReadChunk = 4 << 20

// parseHeadFile decodes the head log at path as parseHead(data, true) does, reading it
// a chunk at a time: what it holds in memory is the decoded points, not
// also the file (an import of a day's history can make it hundreds of
// megabytes).
func parseHeadFile(path string) (*headData, error) {
	return parseHeadFileChunk(path, headReadChunk)
}

func parseHeadFileChunk(path string, chunk int) (*headData, error) {
	f, err := openNoFollow(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p := newHeadParser()
	buf := make([]byte, 0, chunk)
	for {
		if len(buf) == cap(buf) {
			// One record longer than the buffer: make room for it.
			buf = append(buf, make([]byte, cap(buf))...)[:len(buf)]
		}
		n, rerr := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(rerr, io.EOF) {
			// As parseHead(data, true): what follows the last valid
			// record is damage.
			end := p.feed(buf)
			h := p.result()
			if r := tailReason(buf[end:]); r != "" {
				h.damage = append(h.damage, headDamage{from: p.after(), reason: r})
			}
			return h, nil
		}
		if rerr != nil {
			return nil, rerr
		}
		used := p.feed(buf)
		buf = buf[:copy(buf, buf[used:])]
	}
}
