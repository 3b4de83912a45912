package fakeserver

import (
	"cmp"
	"container/list"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// userRecord is a user as stored: the public document plus the password (plain
// text: this is a fake server for tests, never a real credential store).
type userRecord struct {
	User
	doc      []byte // User as JSON, encoded once: GET /api/auth/me answers it as it is
	password string
	n        int              // creation counter, for Users' order
	pinned   bool             // added through the Go API: never forgotten, not counted
	size     int              // what MaxUserBytes counts
	use      *list.Element    // in dataStore.userUse; nil when pinned
	ideas    lru[*ideaRecord] // the user's ideas, least recently used first
}

// userOverhead is what MaxUserBytes counts for a user besides its text (the
// record, its id, its two map entries and its list element: a registered user
// measures about 340 bytes in all).
const userOverhead = 300

// dataStore holds the app's users and ideas, bounded (Options.MaxUsers, MaxIdeas,
// …); Server.dataMu guards it.
type dataStore struct {
	limits    Options
	users     map[string]*userRecord // by id
	byEmail   map[string]*userRecord // by lower-cased email
	ideas     map[string]*ideaRecord // by id
	userUse   lru[*userRecord]       // users counted by MaxUsers, least recently used first
	userBytes int
	ideaUse   lru[*ideaRecord] // every idea, least recently used first
	ideaBytes int
	nextUser  int
	nextIdea  int
	ideaOrder int // creation counter, breaks ties on createdAt
	evicted   Evicted

	idem           *idempotencyStore // Idempotency-Key labels and kept answers
	nextAttachment int               // attachment ids, a1, a2, …
}

func newDataStore(o Options) *dataStore {
	return &dataStore{
		limits:  o,
		users:   map[string]*userRecord{},
		byEmail: map[string]*userRecord{},
		ideas:   map[string]*ideaRecord{},
		idem:    newIdempotencyStore(o),
	}
}

// emailKey is how emails compare: case-insensitively, as a 409 "taken" needs.
func emailKey(email string) string { return strings.ToLower(email) }

// validateUser applies the register rules: non-empty name, email and password,
// and an email containing "@".
func validateUser(name, email, password string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: name is required", ErrInvalidInput)
	case strings.TrimSpace(email) == "":
		return fmt.Errorf("%w: email is required", ErrInvalidInput)
	case !strings.Contains(email, "@"):
		return fmt.Errorf("%w: email must contain @", ErrInvalidInput)
	case password == "":
		return fmt.Errorf("%w: password is required", ErrInvalidInput)
	}
	return nil
}

// addUser stores a new user; the caller holds dataMu for writing. A user that is
// not pinned counts against MaxUsers and MaxUserBytes: the ids of the users
// forgotten to make room are returned, so the caller can end their sessions.
func (d *dataStore) addUser(name, email, password string, pinned bool) (*userRecord, []string, error) {
	if err := validateUser(name, email, password); err != nil {
		return nil, nil, err
	}
	if _, taken := d.byEmail[emailKey(email)]; taken {
		return nil, nil, fmt.Errorf("%w: %s", ErrEmailTaken, email)
	}
	d.nextUser++
	u := &userRecord{
		User:     User{ID: fmt.Sprintf("u%d", d.nextUser), Name: name, Email: email},
		password: password, n: d.nextUser, pinned: pinned,
	}
	u.doc, _ = json.Marshal(u.User) // three strings cannot fail to encode
	d.users[u.ID] = u
	d.byEmail[emailKey(email)] = u
	if pinned {
		return u, nil, nil
	}
	u.size = userOverhead + len(u.ID) + len(name) + 2*len(email) + len(password) + len(u.doc)
	u.use = d.userUse.add(u)
	d.userBytes += u.size
	var gone []string
	for d.userUse.len() > 1 && (d.userUse.len() > d.limits.MaxUsers || d.userBytes > d.limits.MaxUserBytes) {
		old, _ := d.userUse.oldest()
		d.forgetUser(old)
		gone = append(gone, old.ID)
	}
	return u, gone, nil
}

// forgetUser removes a user and its ideas, as if it had never registered; the
// caller holds dataMu for writing and ends its sessions (forgetSessions).
func (d *dataStore) forgetUser(u *userRecord) {
	delete(d.users, u.ID)
	delete(d.byEmail, emailKey(u.Email))
	d.userUse.remove(u.use)
	d.userBytes -= u.size
	var ideas []*ideaRecord
	u.ideas.each(func(rec *ideaRecord) { ideas = append(ideas, rec) })
	for _, rec := range ideas {
		d.removeIdea(rec)
	}
	d.evicted.Users++
}

// useUser returns the user with that id and marks it used (login, refresh); the
// caller holds dataMu for writing.
func (d *dataStore) useUser(id string) (*userRecord, bool) {
	u, ok := d.users[id]
	if ok {
		d.userUse.touch(u.use)
	}
	return u, ok
}

// AddUser registers a user directly (no tokens issued), with the same rules as
// POST /api/auth/register: ErrInvalidInput or ErrEmailTaken (wrapped) on failure.
// Users added here are never forgotten and do not count against MaxUsers.
func (s *Server) AddUser(name, email, password string) (User, error) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	u, _, err := s.data.addUser(name, email, password, true)
	if err != nil {
		return User{}, fmt.Errorf("add user: %w", err)
	}
	return u.User, nil
}

// registerUser is POST /api/auth/register's store step: a user that counts against
// the bounds; the sessions of the users it pushed out end.
func (s *Server) registerUser(name, email, password string) (User, error) {
	s.dataMu.Lock()
	u, gone, err := s.data.addUser(name, email, password, false)
	s.dataMu.Unlock()
	s.forgetSessions(gone)
	if err != nil {
		return User{}, err
	}
	return u.User, nil
}

// Users lists every user, in creation order.
func (s *Server) Users() []User {
	s.dataMu.RLock()
	recs := make([]*userRecord, 0, len(s.data.users))
	for _, u := range s.data.users {
		recs = append(recs, u)
	}
	s.dataMu.RUnlock()
	slices.SortFunc(recs, func(a, b *userRecord) int { return cmp.Compare(a.n, b.n) })
	out := make([]User, len(recs))
	for i, u := range recs {
		out[i] = u.User
	}
	return out
}

// userByID returns a copy of the public user, false when unknown. It does not
// count as a use (the authenticated hot path takes only a read lock).
// userDocByID is the user's JSON document (userRecord.doc), shared: not to be
// modified.
func (s *Server) userDocByID(id string) ([]byte, bool) {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	u, ok := s.data.users[id]
	if !ok {
		return nil, false
	}
	return u.doc, true
}

func (s *Server) userByID(id string) (User, bool) {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	u, ok := s.data.users[id]
	if !ok {
		return User{}, false
	}
	return u.User, true
}

// useUserByID is userByID for a refresh: it marks the user used.
func (s *Server) useUserByID(id string) (User, bool) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	u, ok := s.data.useUser(id)
	if !ok {
		return User{}, false
	}
	return u.User, true
}

// userIDsByEmail returns the ids of the user with that email, or of everyone when
// email is "" (the revoke helpers' selector).
func (s *Server) userIDsByEmail(email string) map[string]bool {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	ids := map[string]bool{}
	if email == "" {
		for id := range s.data.users {
			ids[id] = true
		}
		return ids
	}
	if u, ok := s.data.byEmail[emailKey(email)]; ok {
		ids[u.ID] = true
	}
	return ids
}
