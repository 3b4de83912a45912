package fakeserver

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"strconv"
)

// The generated-bytes convention: upload scenarios and the clients under test make
// the same bytes from a seed and a size, so the harness can check what arrived
// (the journal's bodySha256 and parts[].sha256, an attachment's sha256) against
// GeneratedSHA256 without either side shipping a fixture. The bytes are the ASCII
// string "tokenclock:<seed>:" repeated and cut at size bytes, so a body cut short
// or sent twice is visible to a person reading it too.
const (
	// UploadFilePart is the name of the one file part of a multipart upload.
	UploadFilePart = "file"
	// UploadFileContentType is the file part's Content-Type in the convention
	// (what multipart.Writer.CreateFormFile writes).
	UploadFileContentType = "application/octet-stream"
)

// GeneratedBody is the convention's bytes for seed and size: "tokenclock:<seed>:"
// repeated and cut at size bytes (empty for size 0 or less).
func GeneratedBody(seed int64, size int) []byte {
	b, _ := io.ReadAll(GeneratedReader(seed, size)) // reading a generatedReader never fails
	return b
}

// GeneratedReader streams GeneratedBody(seed, size) without holding it, for a
// client that sends the body chunked (no Content-Length).
func GeneratedReader(seed int64, size int) io.Reader {
	return &generatedReader{unit: generatedUnit(seed), left: max(size, 0)}
}

// GeneratedSHA256 is the hex SHA-256 of GeneratedBody(seed, size), computed
// without holding the body.
func GeneratedSHA256(seed int64, size int) string {
	h := sha256.New()
	_, _ = io.Copy(h, GeneratedReader(seed, size))
	return hex.EncodeToString(h.Sum(nil))
}

// GeneratedFileName is the file part's filename in the convention:
// "tokenclock-<seed>.bin".
func GeneratedFileName(seed int64) string {
	return "tokenclock-" + strconv.FormatInt(seed, 10) + ".bin"
}

// WriteGeneratedFile writes the convention's file part to mw: name UploadFilePart,
// filename GeneratedFileName(seed), Content-Type UploadFileContentType, content
// GeneratedBody(seed, size). Other parts (fields) may come before or after it.
func WriteGeneratedFile(mw *multipart.Writer, seed int64, size int) error {
	w, err := mw.CreateFormFile(UploadFilePart, GeneratedFileName(seed))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, GeneratedReader(seed, size))
	return err
}

func generatedUnit(seed int64) string { return "tokenclock:" + strconv.FormatInt(seed, 10) + ":" }

// generatedReader yields the unit over and over until left bytes were read.
type generatedReader struct {
	unit string
	off  int // position in unit of the next byte
	left int
}

func (g *generatedReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.left > 0 {
		c := copy(p[n:min(len(p), n+g.left)], g.unit[g.off:])
		n += c
		g.left -= c
		g.off = (g.off + c) % len(g.unit)
	}
	return n, nil
}
