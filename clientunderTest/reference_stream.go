package clientundertest

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// reconnectSpacing keeps reconnects of one stream at most 3 per second (RC21), with
// room for the server seeing arrivals a little later than they were started: a
// server that drops every connection at once must not see a storm.
const reconnectSpacing = 450 * time.Millisecond

// refStream is one event stream of the reference (feature sse): what it received,
// whether it is connected, and why it gave up, if it did.
type refStream struct {
	stop context.CancelFunc

	mu        sync.Mutex
	events    []string
	open      bool
	streamErr string
	lastID    string
}

// Subscribe opens an event stream at path through instance and returns once it is
// connected, or with the final answer of a stream that never connected. It
// reconnects on its own, with the current access token and the last event id seen;
// a reconnect answered 401 joins the tab's single refresh; a refused refresh ends
// the stream with an error (RC21).
func (r *Reference) Subscribe(ctx context.Context, path string, instance int) (int64, Reply, error) {
	base, t, err := r.current(instance)
	if err != nil {
		return 0, Reply{}, err
	}
	life, stop := context.WithCancel(t.life)
	st := &refStream{stop: stop}
	r.mu.Lock()
	r.nextStream++
	handle := r.nextStream
	r.streams[handle] = st
	r.mu.Unlock()

	first := make(chan Reply, 1)
	go r.runStream(life, base+path, path, t, st, first)
	select {
	case reply := <-first:
		return handle, reply, nil
	case <-ctx.Done():
		stop()
		return handle, Reply{}, fmt.Errorf("%w: subscribe %s: %v", ErrTimeout, path, ctx.Err())
	}
}

// Events is what the stream received so far.
func (r *Reference) Events(ctx context.Context, handle int64) (StreamEvents, error) {
	st, err := r.stream(handle)
	if err != nil {
		return StreamEvents{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return StreamEvents{Events: append([]string{}, st.events...), Open: st.open, StreamError: st.streamErr}, nil
}

// Unsubscribe closes the stream for good.
func (r *Reference) Unsubscribe(ctx context.Context, handle int64) error {
	st, err := r.stream(handle)
	if err == nil {
		st.stop()
	}
	return err
}

func (r *Reference) stream(handle int64) (*refStream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.streams[handle]
	if !ok {
		return nil, fmt.Errorf("%s: no stream %d", r.name, handle)
	}
	return st, nil
}

// runStream connects, reads and reconnects until life ends or the stream gives up.
// first gets the outcome of the first connect: a zero Reply once connected, or the
// answer that ended the stream before it ever connected.
func (r *Reference) runStream(life context.Context, url, path string, t *tab, st *refStream, first chan<- Reply) {
	connected := false
	report := func(reply Reply) {
		if !connected {
			connected = true
			first <- reply
		}
	}
	defer report(Reply{Error: "aborted"})
	captured, _ := r.token(t)
	var last time.Time
	for life.Err() == nil {
		if wait := reconnectSpacing - time.Since(last); !last.IsZero() && wait > 0 {
			select {
			case <-time.After(wait):
			case <-life.Done():
				return
			}
		}
		last = time.Now()
		token, gen := r.token(t)
		if r.bug == bugStreamStaleToken {
			token = captured // Mutant: every reconnect presents the token of the first connect (RC21).
		}
		resp, err := r.connectStream(life, url, t, token, st)
		switch {
		case err != nil && life.Err() != nil:
			return
		case err != nil:
			if !connected {
				report(Reply{Error: errorText(err)})
				st.fail("ECONNRESET: " + err.Error())
				return
			}
			continue // the server is away: try again, spaced
		case resp.StatusCode == http.StatusUnauthorized:
			reply, _ := readReply(resp)
			rec, err := r.afterUnauthorized(life, r.baseOf(url, path), t, gen, http.StatusUnauthorized)
			if err != nil || !rec.replay {
				report(reply)
				st.fail(fmt.Sprintf("the stream's token was refused and the refresh did not renew it (%d)", reply.Status))
				return
			}
			continue // reconnect with the refreshed token
		case resp.StatusCode != http.StatusOK:
			reply, _ := readReply(resp)
			report(reply)
			st.fail(fmt.Sprintf("the stream answered %d", resp.StatusCode))
			return
		}
		report(Reply{})
		st.read(resp)
	}
}

// connectStream sends one GET for the stream with token and the last event id.
func (r *Reference) connectStream(life context.Context, url string, t *tab, token string, st *refStream) (*http.Response, error) {
	req, err := http.NewRequestWithContext(life, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Tokenclock-Instance", fmt.Sprint(t.index))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	st.mu.Lock()
	if st.lastID != "" {
		req.Header.Set("Last-Event-ID", st.lastID)
	}
	st.mu.Unlock()
	return t.sess.client.Do(req)
}

// read consumes one connection's events until it ends.
func (st *refStream) read(resp *http.Response) {
	defer resp.Body.Close()
	st.mu.Lock()
	st.open = true
	st.mu.Unlock()
	defer func() {
		st.mu.Lock()
		st.open = false
		st.mu.Unlock()
	}()
	sc := bufio.NewScanner(resp.Body)
	var id string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if len(data) > 0 {
				st.mu.Lock()
				st.events = append(st.events, strings.Join(data, "\n"))
				if id != "" {
					st.lastID = id
				}
				st.mu.Unlock()
			}
			id, data = "", nil
		case strings.HasPrefix(line, "id:"):
			id = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// fail ends the stream with why.
func (st *refStream) fail(why string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.open, st.streamErr = false, why
}

// baseOf is the base URL of url, whose path is path.
func (r *Reference) baseOf(url, path string) string { return strings.TrimSuffix(url, path) }
