package fakeserver

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Idempotency keys on POST PathIdeas (the IETF httpapi Idempotency-Key draft, as
// payment APIs use it): a client that cannot tell whether its create committed (a
// 401 after the write, a lost response) sends the same key again and gets the
// first answer back instead of a second idea. The first 2xx answer per user and
// key is kept; the same key with a JSON-equal body answers it again (journal
// idempotentReplay), with a different body 422. A create is checked, made and
// kept under one lock, so parallel requests with one key create one idea and all
// answer it.

const (
	// IdempotencyKeyHeader is the request header POST PathIdeas honours; other
	// endpoints ignore it.
	IdempotencyKeyHeader = "Idempotency-Key"
	// MaxIdempotencyKeyBytes is the longest key accepted (as payment APIs allow);
	// longer is 400.
	MaxIdempotencyKeyBytes = 255
	// savedOverhead is what MaxIdempotencyBytes counts for a kept answer besides its
	// key, user id and body; labelOverhead is a label's cost besides its key.
	savedOverhead = 200
	labelOverhead = 120
)

// idempotencyStore is the labels of the key values seen and the answers kept, each
// bounded (Options.MaxIdempotencyKeys; answers also MaxIdempotencyBytes), least
// recently used forgotten first. It lives in the dataStore: Server.dataMu guards
// it and Reset empties it.
type idempotencyStore struct {
	maxKeys, maxBytes int

	labels    map[string]*keyLabel // by key value
	labelUse  lru[*keyLabel]
	nextLabel int

	saved      map[savedKey]*savedAnswer
	savedUse   lru[*savedAnswer]
	savedBytes int
}

type keyLabel struct {
	key, label string
	use        *list.Element
}

// jsonDigest is canonicalJSON's hash of a request body.
type jsonDigest = [sha256.Size]byte

// savedKey scopes a key to its user: two users' keys never meet.
type savedKey struct{ user, key string }

// savedAnswer is the first 2xx answer to a user's key, and the request body it
// answered (as the hash of its canonical JSON).
type savedAnswer struct {
	savedKey
	request jsonDigest
	status  int
	body    []byte
	size    int
	use     *list.Element
}

func newIdempotencyStore(o Options) *idempotencyStore {
	return &idempotencyStore{
		maxKeys: o.MaxIdempotencyKeys, maxBytes: o.MaxIdempotencyBytes,
		labels: map[string]*keyLabel{}, saved: map[savedKey]*savedAnswer{},
	}
}

// label names a key value, K1, K2, … in order of first appearance.
func (st *idempotencyStore) label(key string) string {
	if l, ok := st.labels[key]; ok {
		st.labelUse.touch(l.use)
		return l.label
	}
	st.nextLabel++
	l := &keyLabel{key: key, label: fmt.Sprintf("K%d", st.nextLabel)}
	l.use = st.labelUse.add(l)
	st.labels[key] = l
	for st.labelUse.len() > st.maxKeys {
		old, _ := st.labelUse.oldest()
		st.labelUse.remove(old.use)
		delete(st.labels, old.key)
	}
	return l.label
}

// lookup is the answer kept for a user's key, marked used; nil when none.
func (st *idempotencyStore) lookup(user, key string) *savedAnswer {
	a, ok := st.saved[savedKey{user, key}]
	if !ok {
		return nil
	}
	st.savedUse.touch(a.use)
	return a
}

// save keeps a 2xx answer for a user's key, then forgets the least recently used
// answers beyond the bounds, always keeping the newest.
func (st *idempotencyStore) save(user, key string, request jsonDigest, rp reply) {
	a := &savedAnswer{savedKey: savedKey{user, key}, request: request, status: rp.status, body: rp.body}
	a.size = savedOverhead + len(user) + len(key) + len(rp.body)
	a.use = st.savedUse.add(a)
	st.saved[a.savedKey] = a
	st.savedBytes += a.size
	for st.savedUse.len() > 1 && (st.savedUse.len() > st.maxKeys || st.savedBytes > st.maxBytes) {
		old, _ := st.savedUse.oldest()
		st.savedUse.remove(old.use)
		delete(st.saved, old.savedKey)
		st.savedBytes -= old.size
	}
}

// answer is the kept answer again: same status and body, the headers every JSON
// answer carries.
func (a *savedAnswer) answer() reply {
	return jsonReply(a.status, json.RawMessage(a.body))
}

// idempotencyKeyOf reads the request's key: "" when none was sent, else the value,
// or the 400's message for a header the server refuses: several lines, empty,
// longer than MaxIdempotencyKeyBytes, or not printable ASCII.
func idempotencyKeyOf(h http.Header) (key, problem string) {
	vs := h.Values(IdempotencyKeyHeader)
	switch {
	case len(vs) == 0:
		return "", ""
	case len(vs) > 1:
		return "", "more than one Idempotency-Key header"
	case vs[0] == "":
		return "", "the Idempotency-Key header is empty"
	case len(vs[0]) > MaxIdempotencyKeyBytes:
		return "", fmt.Sprintf("the Idempotency-Key header is longer than %d bytes", MaxIdempotencyKeyBytes)
	}
	for i := 0; i < len(vs[0]); i++ {
		if c := vs[0][i]; c < 0x20 || c > 0x7e {
			return "", "the Idempotency-Key header must be printable ASCII"
		}
	}
	return vs[0], ""
}

// labelIdempotencyKey journals the key of a POST PathIdeas as it arrives, so a
// create a fault answered instead still shows which key it carried.
func (s *Server) labelIdempotencyKey(rq *request) {
	if rq.r.Method != http.MethodPost || rq.r.URL.Path != PathIdeas {
		return
	}
	key, problem := idempotencyKeyOf(rq.r.Header)
	switch {
	case problem != "":
		rq.idempotencyKey = "?"
	case key != "":
		s.dataMu.Lock()
		rq.idempotencyKey = s.data.idem.label(key)
		s.dataMu.Unlock()
	}
}

// canonicalJSON is the hash of body as one JSON value with object keys sorted and
// numbers as float64, so two bodies that differ only in spacing, key order or the
// spelling of a number compare equal; ok is false when body is not one JSON value.
func canonicalJSON(body []byte) (sum jsonDigest, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if dec.Decode(&v) != nil {
		return sum, false
	}
	if _, err := dec.Token(); err != io.EOF { //nolint:errorlint // the decoder's clean end is io.EOF itself
		return sum, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sum, false
	}
	return sha256.Sum256(b), true
}

// replayOrConflict answers a create whose key has an answer kept: that answer
// again for a JSON-equal body, 422 for any other. done is false when nothing is
// kept for the key (the create goes on). The caller holds dataMu.
func (s *Server) replayOrConflict(rq *request, user, key string, request jsonDigest, parsed bool) (rp reply, done bool) {
	a := s.data.idem.lookup(user, key)
	if a == nil {
		return reply{}, false
	}
	if !parsed || a.request != request {
		return messageReply(http.StatusUnprocessableEntity,
			"this Idempotency-Key was already used with a different request body"), true
	}
	rq.idempotentReplay = true
	return a.answer(), true
}
