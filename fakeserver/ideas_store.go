package fakeserver

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ideaRecord is a stored idea: the public document plus what orders the list.
type ideaRecord struct {
	Idea
	created time.Time // server clock at creation
	order   int       // creation counter: later first on equal clocks
}

// validateIdea applies the POST/PUT rules: title, summary and description are
// required non-empty strings; tags are optional (nil becomes []).
func validateIdea(in IdeaInput) (IdeaInput, error) {
	for _, f := range []struct{ name, v string }{
		{"title", in.Title}, {"summary", in.Summary}, {"description", in.Description},
	} {
		if strings.TrimSpace(f.v) == "" {
			return in, fmt.Errorf("%w: %s is required", ErrInvalidInput, f.name)
		}
	}
	in.Tags = append([]string{}, in.Tags...)
	return in, nil
}

// addIdea stores a new idea; the caller holds dataMu for writing.
func (d *dataStore) addIdea(owner string, in IdeaInput, now time.Time) *ideaRecord {
	d.nextIdea++
	d.ideaOrder++
	rec := &ideaRecord{
		Idea: Idea{
			ID: fmt.Sprintf("i%d", d.nextIdea), Title: in.Title, Summary: in.Summary,
			Description: in.Description, Tags: in.Tags, User: owner,
			CreatedAt: now.UTC().Format(time.RFC3339Nano),
		},
		created: now,
		order:   d.ideaOrder,
	}
	d.ideas[rec.ID] = rec
	return rec
}

// list returns the ideas newest first by the server clock, ties broken by creation
// order (later first); the caller holds dataMu.
func (d *dataStore) list() []Idea {
	recs := make([]*ideaRecord, 0, len(d.ideas))
	for _, r := range d.ideas {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b *ideaRecord) int {
		if c := b.created.Compare(a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.order, a.order)
	})
	out := make([]Idea, len(recs))
	for i, r := range recs {
		out[i] = r.public()
	}
	return out
}

// public copies the document so callers cannot alias the stored tags.
func (r *ideaRecord) public() Idea {
	idea := r.Idea
	idea.Tags = append([]string{}, r.Tags...)
	return idea
}

// AddIdea creates an idea owned by the user with that email (no tokens issued),
// createdAt from the server clock. Errors: ErrUnknownUser, ErrInvalidInput.
func (s *Server) AddIdea(ownerEmail string, in IdeaInput) (Idea, error) {
	in, err := validateIdea(in)
	if err != nil {
		return Idea{}, fmt.Errorf("add idea: %w", err)
	}
	now := s.Now()
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	u, ok := s.data.byEmail[emailKey(ownerEmail)]
	if !ok {
		return Idea{}, fmt.Errorf("add idea: %w: %s", ErrUnknownUser, ownerEmail)
	}
	return s.data.addIdea(u.ID, in, now).public(), nil
}

// Ideas lists every idea, newest first (ties on the clock: later created first).
func (s *Server) Ideas() []Idea {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data.list()
}
