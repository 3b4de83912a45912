package driver

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"sync"
)

// Profile is what the instances of one session share, as the tabs of one browser
// profile do: the cookie jar (holding the refresh cookie), a small key-value storage
// (localStorage) and a profile-wide lock (Web Locks, a lock file). The access token
// and a refresh in flight are not in it: they are each instance's own memory.
type Profile struct {
	// Jar is the profile's cookie jar; Config.HTTPClient already sends with it.
	Jar http.CookieJar

	lock chan struct{} // holds a token while the lock is taken

	mu      sync.Mutex // guards storage
	storage map[string]string
}

// NewProfile is an empty profile: no cookies, no storage, the lock free. The kit makes
// one per init; tests of an adapter can make their own.
func NewProfile() *Profile {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &Profile{Jar: jar, lock: make(chan struct{}, 1), storage: map[string]string{}}
}

// Lock takes the profile-wide lock, waiting while another instance holds it, or
// returns ctx's error once ctx ends first: a caller that gives up does not stay
// parked behind another tab's refresh.
func (p *Profile) Lock(ctx context.Context) error {
	select {
	case p.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Unlock releases the lock taken by Lock. Like sync.Mutex, the lock is not tied to a
// goroutine; unlocking a free lock panics.
func (p *Profile) Unlock() {
	select {
	case <-p.lock:
	default:
		panic("driver: Unlock of an unlocked Profile")
	}
}

// Get reads key from the profile's storage.
func (p *Profile) Get(key string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.storage[key]
	return v, ok
}

// Set writes key in the profile's storage, where every instance sees it at once.
func (p *Profile) Set(key, value string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.storage[key] = value
}

// Delete removes key from the profile's storage.
func (p *Profile) Delete(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.storage, key)
}
