package fakeserver

import (
	"fmt"
	"strings"
)

// userRecord is a user as stored: the public document plus the password (plain
// text: this is a fake server for tests, never a real credential store).
type userRecord struct {
	User
	password string
}

// dataStore holds the app's users and ideas; Server.dataMu guards it.
type dataStore struct {
	users     map[string]*userRecord // by id
	byEmail   map[string]*userRecord // by lower-cased email
	ideas     map[string]*ideaRecord // by id
	nextUser  int
	nextIdea  int
	ideaOrder int // creation counter, breaks ties on createdAt
}

func newDataStore() *dataStore {
	return &dataStore{
		users:   map[string]*userRecord{},
		byEmail: map[string]*userRecord{},
		ideas:   map[string]*ideaRecord{},
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

// addUser stores a new user; the caller holds dataMu for writing.
func (d *dataStore) addUser(name, email, password string) (*userRecord, error) {
	if err := validateUser(name, email, password); err != nil {
		return nil, err
	}
	if _, taken := d.byEmail[emailKey(email)]; taken {
		return nil, fmt.Errorf("%w: %s", ErrEmailTaken, email)
	}
	d.nextUser++
	u := &userRecord{User: User{ID: fmt.Sprintf("u%d", d.nextUser), Name: name, Email: email}, password: password}
	d.users[u.ID] = u
	d.byEmail[emailKey(email)] = u
	return u, nil
}

// AddUser registers a user directly (no tokens issued), with the same rules as
// POST /api/auth/register: ErrInvalidInput or ErrEmailTaken (wrapped) on failure.
func (s *Server) AddUser(name, email, password string) (User, error) {
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	u, err := s.data.addUser(name, email, password)
	if err != nil {
		return User{}, fmt.Errorf("add user: %w", err)
	}
	return u.User, nil
}

// Users lists every user, in creation order.
func (s *Server) Users() []User {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	out := make([]User, 0, len(s.data.users))
	for i := 1; i <= s.data.nextUser; i++ {
		if u, ok := s.data.users[fmt.Sprintf("u%d", i)]; ok {
			out = append(out, u.User)
		}
	}
	return out
}

// userByID returns a copy of the public user, false when unknown.
func (s *Server) userByID(id string) (User, bool) {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	u, ok := s.data.users[id]
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
