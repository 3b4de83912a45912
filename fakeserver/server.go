package fakeserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jonboulle/clockwork"
)

// Server is the fake auth + ideas backend. Shape follows net/http/httptest: New,
// Start (or StartAt), URL, Close; Reset empties it between scenarios.
//
// Locking: tokens and app data sit behind their own RWMutexes so the hot
// authenticated GET path only takes read locks (JWT verification needs none); the
// journal and the fault rules have their own short critical sections.
type Server struct {
	opts    Options
	clock   clockwork.Clock
	fake    advancer     // clock, when the harness moves it (a fake clock); nil for a real clock
	offset  atomic.Int64 // real clock only: nanoseconds added to clock.Now() by Advance, Expire*
	key     []byte
	parser  *jwt.Parser
	started time.Time // real time, for realOffsetMs
	origin  time.Time // server clock at New, for virtualOffset

	tokMu sync.RWMutex
	tok   *tokenStore

	dataMu sync.RWMutex
	data   *dataStore

	journal *journal
	faults  *faultSet
	events  *eventHub // server-sent events: published, kept for replay, streams open
	api     http.Handler

	closing   chan struct{} // closed by Close: holds and delays abort
	closeOnce sync.Once
	trackMu   sync.Mutex
	closed    bool
	inflight  sync.WaitGroup

	advanceMu sync.Mutex // fake clock: one Advance at a time, so its bounds hold

	srvMu   sync.Mutex
	httpSrv *http.Server
	url     string

	// mounted are the control paths served by handlers from outside the package
	// (the web console), behind the same guard (MountControl).
	mountMu sync.RWMutex
	mounted map[string]http.Handler

	// id names this server process in the journal stream's opening event, so a
	// reader resuming on another server (a restart) can tell.
	id string
}

// New builds a server from opts, filling zero values with the spec's defaults; it
// does not listen yet (Handler works without Start).
func New(opts Options) *Server {
	opts = opts.withDefaults()
	key := opts.SigningKey
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	}
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	s := &Server{
		id:      hex.EncodeToString(id),
		opts:    opts,
		clock:   opts.Clock,
		key:     append([]byte(nil), key...),
		started: time.Now(),
		origin:  opts.Clock.Now(),
		tok:     newTokenStore(opts),
		data:    newDataStore(opts),
		journal: newJournal(opts),
		faults:  &faultSet{},
		events:  newEventHub(),
		closing: make(chan struct{}),
	}
	s.fake, _ = opts.Clock.(advancer)
	s.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(s.Now),
		jwt.WithExpirationRequired(),
		jwt.WithStrictDecoding(),
	)
	s.api = http.HandlerFunc(s.serveAPI)
	return s
}

// Handler is the API handler (no control routes), journalled and faulted like the
// listener: for embedding and benchmarks. A reset fault, or a request abandoned by
// its client or by Close, aborts with panic(http.ErrAbortHandler) as net/http
// expects; a server built on Handler drops the connection.
func (s *Server) Handler() http.Handler { return s.api }

// Start listens on 127.0.0.1 on a free port.
func (s *Server) Start() error { return s.StartAt("127.0.0.1:0") }

// StartAt listens on addr (serve's --addr) and serves in the background.
func (s *Server) StartAt(addr string) error {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.httpSrv != nil {
		return errors.New("fakeserver: already started")
	}
	select {
	case <-s.closing:
		return errors.New("fakeserver: closed")
	default:
	}
	lns, err := listen(addr)
	if err != nil {
		return fmt.Errorf("fakeserver: listen on %s: %w", addr, err)
	}
	s.httpSrv = s.HTTPServer(http.HandlerFunc(s.serveTop))
	s.url = "http://" + urlHost(lns[0].Addr())
	srv := s.httpSrv
	for _, ln := range lns {
		go func() { _ = srv.Serve(ln) }() // returns ErrServerClosed on Close
	}
	return nil
}

// HTTPServer is an http.Server serving h with this server's connection timeouts
// (Options.ReadTimeout, IdleTimeout, and headers within 10 s): what StartAt serves
// the API with, and what serve puts the control API on with --control-addr. No
// write timeout: a held or delayed response must not be cut.
func (s *Server) HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(readHeaderTimeout, s.opts.ReadTimeout),
		ReadTimeout:       s.opts.ReadTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
	}
}

// urlHost turns a listener address into a host:port a client can dial: an
// unspecified IP (":8088") becomes loopback.
func urlHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash); "" before Start.
func (s *Server) URL() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	return strings.TrimSuffix(s.url, "/")
}

// Close stops listening, closes connections, aborts every held or delayed request
// (they are journalled with status 0) and waits for in-flight handlers. Idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.srvMu.Lock()
		srv := s.httpSrv
		s.srvMu.Unlock()
		if srv != nil {
			_ = srv.Close()
		}
		s.trackMu.Lock()
		s.closed = true
		s.trackMu.Unlock()
		s.inflight.Wait()
		s.faults.clear()
	})
}

// track counts a handler in flight so Close can wait for it; after Close it
// returns false and the handler runs untracked (every wait in it aborts at once).
func (s *Server) track() bool {
	s.trackMu.Lock()
	defer s.trackMu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

// serveTop routes the page (Options.Page) and control requests to their handlers
// (never journalled) and everything else to the API.
func (s *Server) serveTop(w http.ResponseWriter, r *http.Request) {
	if s.opts.Page != nil && strings.HasPrefix(r.URL.Path, PagePrefix) {
		s.opts.Page.ServeHTTP(w, r)
		return
	}
	if s.opts.ExposeControl && isControlPath(r.URL.Path) {
		s.ControlHandler().ServeHTTP(w, r)
		return
	}
	s.api.ServeHTTP(w, r)
}

func isControlPath(p string) bool {
	return p == strings.TrimSuffix(ControlPrefix, "/") || strings.HasPrefix(p, ControlPrefix)
}
