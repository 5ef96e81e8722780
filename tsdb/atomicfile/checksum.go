package atomicfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// AppendChecksum returns body, which must end in a newline, followed by a
// last line "sha256 HEX" of it: the framing of srvmon's small text state
// files (check-state, last-run-problems), which a person can still read.
func AppendChecksum(body []byte) []byte {
	sum := sha256.Sum256(body)
	return append(append(body, "sha256 "...), hex.EncodeToString(sum[:])+"\n"...)
}

// verifyChecksum returns the body of data written by AppendChecksum, or an
// error saying what is wrong (no checksum line, a mismatch: the file was
// cut or changed).
func verifyChecksum(data []byte) ([]byte, error) {
	i := bytes.LastIndex(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if i < 0 || !bytes.HasSuffix(data, []byte("\n")) {
		return nil, errors.New("no checksum line")
	}
	body, last := data[:i+1], bytes.TrimSpace(data[i+1:])
	sum := sha256.Sum256(body)
	if string(last) != "sha256 "+hex.EncodeToString(sum[:]) {
		return nil, errors.New("checksum mismatch")
	}
	return body, nil
}

// VerifyLines returns the lines of the body of data (see verifyChecksum)
// after its first, which must be header: how srvmon's text state files
// are read.
func VerifyLines(data []byte, header string) ([]string, error) {
	body, err := verifyChecksum(data)
	if err != nil {
		return nil, err
	}
	first, rest, _ := strings.Cut(string(body), "\n")
	if first != header {
		return nil, errors.New("unknown header")
	}
	if rest == "" {
		return nil, nil
	}
	return strings.Split(strings.TrimSuffix(rest, "\n"), "\n"), nil
}

// CheckFile reads the state file at path and decodes it with decode, as
// srvmon verify checks state files: it says whether the file exists and
// what is wrong with it (nil when it is intact or cannot be read for
// another reason than not existing, which it returns).
func CheckFile[T any](path string, decode func([]byte) (T, error)) (exists bool, damage error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil {
		_, err = decode(data)
	}
	return true, err
}
