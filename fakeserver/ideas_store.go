package fakeserver

import (
	"cmp"
	"container/list"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ideaRecord is a stored idea: the public document plus what orders the list and
// what the bounds count.
type ideaRecord struct {
	Idea
	created  time.Time // server clock at creation
	order    int       // creation counter: later first on equal clocks
	size     int       // what MaxIdeaBytes counts
	owner    *userRecord
	use      *list.Element // in dataStore.ideaUse
	ownerUse *list.Element // in owner.ideas
}

// ideaOverhead is what MaxIdeaBytes counts for an idea besides its text (the
// record, its ids, its time, its list and map entries: a small idea measures about
// 410 bytes in all); each tag adds tagOverhead.
const (
	ideaOverhead = 320
	tagOverhead  = 16
)

func (r *ideaRecord) measure() {
	r.size = ideaOverhead + len(r.ID) + len(r.Title) + len(r.Summary) + len(r.Description) + len(r.CreatedAt)
	for _, t := range r.Tags {
		r.size += tagOverhead + len(t)
	}
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

// addIdea stores a new idea of owner, then makes room: the owner's least recently
// used ideas beyond MaxIdeasPerUser, then anyone's beyond MaxIdeas or MaxIdeaBytes.
// The caller holds dataMu for writing.
func (d *dataStore) addIdea(owner *userRecord, in IdeaInput, now time.Time) *ideaRecord {
	d.nextIdea++
	d.ideaOrder++
	rec := &ideaRecord{
		Idea: Idea{
			ID: fmt.Sprintf("i%d", d.nextIdea), Title: in.Title, Summary: in.Summary,
			Description: in.Description, Tags: in.Tags, User: owner.ID,
			CreatedAt: now.UTC().Format(time.RFC3339Nano),
		},
		created: now,
		order:   d.ideaOrder,
		owner:   owner,
	}
	rec.measure()
	d.ideas[rec.ID] = rec
	rec.use = d.ideaUse.add(rec)
	rec.ownerUse = owner.ideas.add(rec)
	d.ideaBytes += rec.size
	for owner.ideas.len() > d.limits.MaxIdeasPerUser {
		old, _ := owner.ideas.oldest()
		d.evictIdea(old)
	}
	d.trimIdeas()
	return rec
}

// replaceIdea is PUT's change: new text, used now; the caller holds dataMu.
func (d *dataStore) replaceIdea(rec *ideaRecord, in IdeaInput) {
	rec.Title, rec.Summary, rec.Description, rec.Tags = in.Title, in.Summary, in.Description, in.Tags
	d.ideaBytes -= rec.size
	rec.measure()
	d.ideaBytes += rec.size
	d.ideaUse.touch(rec.use)
	rec.owner.ideas.touch(rec.ownerUse)
	d.trimIdeas()
}

// trimIdeas forgets the least recently used ideas while the store is over
// MaxIdeas or MaxIdeaBytes, always keeping the newest.
func (d *dataStore) trimIdeas() {
	for d.ideaUse.len() > 1 && (d.ideaUse.len() > d.limits.MaxIdeas || d.ideaBytes > d.limits.MaxIdeaBytes) {
		old, _ := d.ideaUse.oldest()
		d.evictIdea(old)
	}
}

func (d *dataStore) evictIdea(rec *ideaRecord) {
	d.removeIdea(rec)
	d.evicted.Ideas++
}

// removeIdea deletes an idea (DELETE, or a bound); the caller holds dataMu.
func (d *dataStore) removeIdea(rec *ideaRecord) {
	delete(d.ideas, rec.ID)
	d.ideaUse.remove(rec.use)
	rec.owner.ideas.remove(rec.ownerUse)
	d.ideaBytes -= rec.size
}

// list returns the first limit ideas (limit < 0: all), newest first by the server
// clock, ties broken by creation order (later first); the caller holds dataMu.
func (d *dataStore) list(limit int) []Idea {
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
	if limit >= 0 && limit < len(recs) {
		recs = recs[:limit]
	}
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
// createdAt from the server clock, within the same bounds as POST /api/ideas.
// Errors: ErrUnknownUser, ErrInvalidInput.
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
	return s.data.addIdea(u, in, now).public(), nil
}

// Ideas lists every idea, newest first (ties on the clock: later created first).
func (s *Server) Ideas() []Idea {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data.list(-1)
}

// ideasPage is GET /api/ideas: at most limit ideas, newest first.
func (s *Server) ideasPage(limit int) []Idea {
	s.dataMu.RLock()
	defer s.dataMu.RUnlock()
	return s.data.list(limit)
}
