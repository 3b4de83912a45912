package fakeserver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// BodyPart is one part of a multipart upload as received, in the journal's parts
// and an Attachment's: its form name and filename (from Content-Disposition,
// as sent; cut like a path beyond partNameBytes), and the SHA-256 and length of its
// content, undecoded (a Content-Transfer-Encoding is not applied).
type BodyPart struct {
	Name     string `json:"name"`
	Filename string `json:"filename"` // "" for a field that is no file
	SHA256   string `json:"sha256"`
	Length   int    `json:"length"`
}

const (
	// maxUploadParts bounds the parts of one multipart upload: each is journalled,
	// and 8 MiB of tiny parts would otherwise make one entry megabytes long.
	maxUploadParts = 100
	// partNameBytes is the longest part name or filename the journal keeps.
	partNameBytes = 256
	// partOverhead is what JournalMaxBytes counts for a part besides its strings.
	partOverhead = 64
	// progressBytes is how often a pending upload's bodyLength is brought up to
	// date: every chunk would wake journal waiters hundreds of times per upload.
	progressBytes = 64 << 10
	// maxBoundary is RFC 2046's longest multipart boundary (§5.1.1).
	maxBoundary = 70
)

// uploadResult is what an upload's body turned out to be, once read to its end.
type uploadResult struct {
	length  int    // the file's bytes: the body, or the file part's content
	sha256  string // the file's hex SHA-256
	parts   []BodyPart
	problem string // the 400's message when the multipart body is not acceptable
}

// readUpload reads the whole body of an upload (discarding what lies beyond
// MaxUploadBytes, up to drainLimit), parsing a multipart one on the way, so
// nothing but the journal's kept bytes is ever held in memory.
func (s *Server) readUpload(rq *request) uploadResult {
	body := s.newUploadBody(rq)
	var res uploadResult
	boundary, isMultipart, problem := uploadMediaType(rq.r.Header)
	switch {
	case problem != "":
		res.problem = problem
	case isMultipart:
		res.parts, res.problem = readParts(body, boundary)
	}
	raw := body.finish()
	if rq.tooLarge || rq.readErr {
		return uploadResult{} // not an upload the server took: its parts say nothing
	}
	rq.parts = res.parts
	if !isMultipart {
		res.length, res.sha256 = rq.bodyLength, raw
		return res
	}
	for _, p := range res.parts {
		if p.Name == UploadFilePart {
			res.length, res.sha256 = p.Length, p.SHA256
		}
	}
	return res
}

// drainUpload reads an upload's body when no handler did (a status fault answered
// instead), so the client reads the answer rather than a broken pipe, and the
// entry still records its length and hash.
func (s *Server) drainUpload(rq *request) {
	if rq.streamed && !rq.bodyRead {
		s.newUploadBody(rq).finish()
	}
}

// uploadMediaType reads the Content-Type: multipart/form-data with a usable
// boundary, or anything else (absent included), which is a raw body. problem is
// the 400's message for a multipart/form-data type that cannot be parsed.
func uploadMediaType(h http.Header) (boundary string, isMultipart bool, problem string) {
	ct := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if mt != "multipart/form-data" {
		// A type too broken to name is still multipart if it says so: reading it
		// as a raw file would hide a client bug behind a 201.
		if err != nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/form-data") {
			return "", true, "the multipart/form-data Content-Type is malformed"
		}
		return "", false, ""
	}
	boundary = params["boundary"]
	switch {
	case err != nil:
		return "", true, "the multipart/form-data Content-Type has a malformed parameter"
	case boundary == "":
		return "", true, "multipart/form-data needs a boundary parameter"
	case len(boundary) > maxBoundary:
		return "", true, fmt.Sprintf("the multipart boundary must be 1 to %d characters (RFC 2046), not %d", maxBoundary, len(boundary))
	}
	return boundary, true, ""
}

// readParts reads every part, hashing its content; problem is a 400's message:
// a malformed body, a part that is not a named form-data part, too many parts, or
// not exactly one UploadFilePart. The parts read before a problem are returned too.
func readParts(r io.Reader, boundary string) (parts []BodyPart, problem string) {
	mr := multipart.NewReader(r, boundary)
	for {
		p, err := mr.NextRawPart() // raw: the journal hashes what was sent, not a decoding of it
		if err == io.EOF {         //nolint:errorlint // io.EOF itself is the clean end; a wrapped one is a cut body
			break
		}
		if err != nil {
			return parts, malformedMultipart(err)
		}
		if len(parts) == maxUploadParts {
			return parts, fmt.Sprintf("a multipart upload takes at most %d parts", maxUploadParts)
		}
		disp, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if err != nil || disp != "form-data" || params["name"] == "" {
			return parts, fmt.Sprintf("part %d has no Content-Disposition: form-data with a name", len(parts)+1)
		}
		h := sha256.New()
		n, err := io.Copy(h, p)
		if err != nil {
			return parts, malformedMultipart(err)
		}
		parts = append(parts, BodyPart{
			Name:     clipString(params["name"], partNameBytes),
			Filename: clipString(params["filename"], partNameBytes),
			SHA256:   hex.EncodeToString(h.Sum(nil)),
			Length:   int(n),
		})
	}
	files := 0
	for _, p := range parts {
		if p.Name == UploadFilePart {
			files++
		}
	}
	switch {
	case files == 0:
		return parts, `a multipart upload needs a part named "file"`
	case files > 1:
		return parts, fmt.Sprintf(`a multipart upload takes one part named "file", not %d`, files)
	}
	return parts, ""
}

// malformedMultipart is the 400's message for a body the multipart reader gave up
// on (no boundary in it, a part never closed, a bad part header): what it said,
// cut short, as it may quote the body.
func malformedMultipart(err error) string {
	msg := strings.TrimPrefix(err.Error(), "multipart: ")
	if len(msg) > 120 {
		msg = msg[:120] + "…"
	}
	return "malformed multipart body: " + strings.ToValidUTF8(msg, "?")
}

// partsSize is what JournalMaxBytes counts for an entry's parts.
func partsSize(parts []BodyPart) int {
	n := 0
	for _, p := range parts {
		n += partOverhead + len(p.Name) + len(p.Filename) + len(p.SHA256)
	}
	return n
}

// uploadBody reads an upload as it streams: it counts, hashes and keeps
// (Options.JournalBodyBytes) every byte read from the client, brings the pending
// entry's bodyLength up to date, and notes a read error apart from what a parser
// makes of the bytes.
type uploadBody struct {
	s        *Server
	rq       *request
	src      io.Reader
	hash     hash.Hash
	keep     int
	kept     []byte
	n        int
	reported int
	err      error // the first read error other than io.EOF
}

func (s *Server) newUploadBody(rq *request) *uploadBody {
	rq.bodyRead = true
	src := io.Reader(http.NoBody)
	if rq.r.Body != nil {
		src = rq.r.Body
	}
	return &uploadBody{
		s: s, rq: rq, src: io.LimitReader(src, MaxUploadBytes+1),
		hash: sha256.New(), keep: s.opts.JournalBodyBytes,
	}
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.src.Read(p)
	b.record(p[:n])
	if err != nil && err != io.EOF && b.err == nil { //nolint:errorlint // io.Reader's EOF is never wrapped
		b.err = err
	}
	return n, err
}

func (b *uploadBody) record(p []byte) {
	if len(p) == 0 {
		return
	}
	b.hash.Write(p)
	if room := b.keep - len(b.kept); room > 0 {
		b.kept = append(b.kept, p[:min(room, len(p))]...)
	}
	b.n += len(p)
	if b.reported == 0 || b.n-b.reported >= progressBytes {
		b.reported = b.n
		n := b.n
		b.s.journal.update(b.rq.entry, func(e *Entry) { e.BodyLength = n })
	}
}

// finish reads what is left, up to MaxUploadBytes+1 bytes in all, then, for a body
// over the limit, discards up to drainLimit more; it records the outcome on the
// request as readBody does (tooLarge, readErr, hash, length, kept bytes) and
// returns the whole body's hex SHA-256 ("" when it was not read to its end).
func (b *uploadBody) finish() string {
	_, _ = io.Copy(io.Discard, b) // an error is in b.err
	rq := b.rq
	whole := true
	switch {
	case b.err != nil:
		rq.readErr, whole = true, false
	case b.n > MaxUploadBytes:
		rq.tooLarge = true
		before := b.n
		b.src = io.LimitReader(rq.r.Body, drainLimit)
		_, _ = io.Copy(io.Discard, b)
		whole = b.err == nil && b.n-before < drainLimit
	}
	sum := ""
	if whole {
		sum = hexSum(b.hash)
		if b.n > 0 {
			rq.bodyHash = sum // "" for no body, as on every other endpoint
		}
	}
	rq.bodyLength = b.n
	rq.kept = b.kept
	rq.bodyTruncated = !whole || rq.tooLarge || len(b.kept) < b.n
	return sum
}
