package fakeserver

// THIS FILE IS A STUB written by the lead so that other packages compile against the
// agreed API while the fakeserver is being built. The fakeserver implementer replaces
// it with the real implementation (keeping these exact signatures) and deletes this file.

import (
	"context"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"
)

// Server is the fake auth + ideas backend. Shape follows net/http/httptest.
type Server struct{}

// New builds a server from opts; it does not listen yet.
func New(opts Options) *Server { panic("not implemented") }

// Start listens on 127.0.0.1 on a free port.
func (s *Server) Start() error { panic("not implemented") }

// StartAt listens on addr (serve's --addr).
func (s *Server) StartAt(addr string) error { panic("not implemented") }

// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
func (s *Server) URL() string { panic("not implemented") }

// Close stops listening, closes connections and releases every hold.
func (s *Server) Close() { panic("not implemented") }

// Handler is the API handler (no control routes): for embedding and benchmarks.
func (s *Server) Handler() http.Handler { panic("not implemented") }

// Reset empties users, tokens, ideas, journal and faults; the clock offset goes back to 0.
func (s *Server) Reset() { panic("not implemented") }

// Now is the server clock: Options.Clock.Now() plus the offset.
func (s *Server) Now() time.Time { panic("not implemented") }

// Clock returns the injected clock.
func (s *Server) Clock() clockwork.Clock { panic("not implemented") }

// Advance moves the server clock forward by d (adds to the offset).
func (s *Server) Advance(d time.Duration) time.Time { panic("not implemented") }

// ExpireAccess advances the clock by the access TTL + 1 s.
func (s *Server) ExpireAccess() time.Time { panic("not implemented") }

// ExpireRefresh advances the clock by the refresh TTL + 1 s.
func (s *Server) ExpireRefresh() time.Time { panic("not implemented") }

// AddUser registers a user directly (no tokens issued).
func (s *Server) AddUser(name, email, password string) (User, error) { panic("not implemented") }

// AddIdea creates an idea owned by the user with that email (no tokens issued).
func (s *Server) AddIdea(ownerEmail string, in IdeaInput) (Idea, error) { panic("not implemented") }

// Ideas lists every idea, newest first.
func (s *Server) Ideas() []Idea { panic("not implemented") }

// RevokeAccess revokes every access token issued so far (by jti) to the user with that
// email, or to everyone when email is "". It returns how many it revoked.
func (s *Server) RevokeAccess(email string) int { panic("not implemented") }

// RevokeRefresh revokes the refresh families of that user, or of everyone when "".
func (s *Server) RevokeRefresh(email string) int { panic("not implemented") }

// AddFault installs a rule and returns its handle.
func (s *Server) AddFault(r Rule) *Fault { panic("not implemented") }

// ClearFaults removes every rule and releases every held request.
func (s *Server) ClearFaults() { panic("not implemented") }

// Journal returns a copy of every journal entry so far, in seq order.
func (s *Server) Journal() Journal { panic("not implemented") }

// Label returns the label (A3, R1) of an issued token string, or "" if unknown.
func (s *Server) Label(token string) string { panic("not implemented") }

// Secrets returns every issued token string with its label, for scrubbing reports.
func (s *Server) Secrets() map[string]string { panic("not implemented") }

// State is the control API's /state document.
func (s *Server) State() State { panic("not implemented") }

// Fault is the handle of an installed rule.
type Fault struct{}

// ID is the rule's id (control API).
func (f *Fault) ID() int { panic("not implemented") }

// Release lets every request held by this rule go, and every later match pass
// unheld (a released rule stays open).
func (f *Fault) Release() { panic("not implemented") }

// Held is how many requests this rule has held so far (cumulative).
func (f *Fault) Held() int { panic("not implemented") }

// WaitHeld blocks until at least n requests have been held by this rule, or ctx ends.
func (f *Fault) WaitHeld(ctx context.Context, n int) error { panic("not implemented") }

// Matched is how many requests have matched this rule so far (acted on or not).
func (f *Fault) Matched() int { panic("not implemented") }

// User is the public user document {id, name, email}.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// IdeaInput is the writable part of an idea.
type IdeaInput struct {
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
}

// Idea is the public idea document.
type Idea struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	User        string   `json:"user"`
	CreatedAt   string   `json:"createdAt"`
}

// State is the control API's view of the server.
type State struct {
	Now        string `json:"now"`
	AccessTTL  string `json:"accessTTL"`
	RefreshTTL string `json:"refreshTTL"`
	Rotation   bool   `json:"rotation"`
	ReuseGrace string `json:"reuseGrace"`
	Users      int    `json:"users"`
	Families   int    `json:"families"`
	Faults     int    `json:"faults"`
	// JournalDropped counts entries dropped because the journal is bounded.
	JournalDropped int `json:"journalDropped"`
}

// Journal is a snapshot of journal entries with query helpers for checks.
type Journal []Entry

// Refreshes returns the POST /api/auth/refresh entries.
func (j Journal) Refreshes() Journal { panic("not implemented") }

// To returns the entries for that method and path ("" matches any method).
func (j Journal) To(method, path string) Journal { panic("not implemented") }

// Since returns the entries with seq > seq.
func (j Journal) Since(seq int) Journal { panic("not implemented") }

// ArrivedAfter returns the entries that arrived after e's response was written.
func (j Journal) ArrivedAfter(e Entry) Journal { panic("not implemented") }

// Where returns the entries for which keep is true.
func (j Journal) Where(keep func(Entry) bool) Journal { panic("not implemented") }

// Last is the last entry's seq, 0 when empty.
func (j Journal) LastSeq() int { panic("not implemented") }
