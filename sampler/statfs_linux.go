//go:build linux

package sampler

import "golang.org/x/sys/unix"

// statfs returns the usage of the file system mounted at path.
func statfs(path string) (fsStat, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return fsStat{}, err
	}
	bsize := uint64(st.Bsize)
	return fsStat{
		size:      uint64(st.Blocks) * bsize,
		free:      uint64(st.Bfree) * bsize,
		avail:     uint64(st.Bavail) * bsize,
		files:     uint64(st.Files),
		filesFree: uint64(st.Ffree),
		readOnly:  st.Flags&unix.ST_RDONLY != 0,
	}, nil
}
