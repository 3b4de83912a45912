//go:build soak && linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The soak of `make soak` (docs/fake-server.md, "Memory"): `tokenclock serve` with
// its default flags, run in this process on 127.0.0.1, under the two loads issue 10
// measured (then a page of ideas and the whole journal read back), each with its
// peak RSS and its live heap after a full GC, next to the documented ceiling. The RSS is this whole process's, load generator included, so
// it overstates serve's own. It fails past the ceiling or past its time limit.
const (
	soakBodies    = 600
	soakBodySize  = 1 << 20
	soakLoops     = 150_000
	soakWorkers   = 8
	soakCeiling   = 150 << 20
	soakTimeLimit = 8 * time.Minute
)

// soakPhase is one line of the figures.
type soakPhase struct {
	name         string
	requests     int64
	took         time.Duration
	peak, rss    int64 // VmHWM (since the phase began), VmRSS at its end
	heapAfterGC  uint64
	stateSummary string
}

func TestServeSoak(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), soakTimeLimit)
	defer cancel()

	stdout := &bannerWriter{}
	var stderr bytes.Buffer
	served := make(chan int, 1)
	serveCtx, stopServe := context.WithCancel(context.Background())
	go func() { served <- run(serveCtx, []string{"serve", "--addr", "127.0.0.1:0"}, stdout, &stderr) }()
	defer func() {
		stopServe()
		select {
		case code := <-served:
			if code != exitOK {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("serve did not stop within 10 s of its context ending")
		}
	}()
	api := stdout.waitAPI(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: soakWorkers, DisableCompression: true}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()

	phases := []soakPhase{measure("start (serve --addr 127.0.0.1:0, defaults)", 0, 0, api, client)}

	resetPeak(t)
	start := time.Now()
	n := soakBigBodies(ctx, t, client, api)
	phases = append(phases, measure(fmt.Sprintf("%d POSTs of 1 MiB to a 404 path", soakBodies), n, time.Since(start), api, client))

	resetPeak(t)
	start = time.Now()
	n = soakSessions(ctx, t, client, api)
	phases = append(phases, measure(fmt.Sprintf("%d register-or-login + refresh + create loops", soakLoops), n, time.Since(start), api, client))

	resetPeak(t)
	start = time.Now()
	var listed int
	for range 50 {
		body := soakGet(t, client, api+"/api/ideas")
		var ideas []json.RawMessage
		if err := json.Unmarshal(body, &ideas); err != nil {
			t.Fatalf("GET /api/ideas: %v", err)
		}
		listed = len(ideas)
		if len(body) > 1<<20 {
			t.Errorf("GET /api/ideas answered %d bytes", len(body))
		}
	}
	phases = append(phases, measure(fmt.Sprintf("50 unauthenticated GET /api/ideas (%d ideas each)", listed), 50, time.Since(start), api, client))

	resetPeak(t)
	start = time.Now()
	res, err := client.Get(api + "/_tokenclock/journal")
	if err != nil {
		t.Fatalf("GET /_tokenclock/journal: %v", err)
	}
	size, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /_tokenclock/journal: %d %v", res.StatusCode, err)
	}
	phases = append(phases, measure(fmt.Sprintf("GET /_tokenclock/journal (%d MB of JSON)", size>>20), 1, time.Since(start), api, client))
	if ctx.Err() != nil {
		t.Fatalf("the soak did not finish within %v", soakTimeLimit)
	}

	fmt.Printf("\ntokenclock serve soak: GOMAXPROCS %d, %s, ceiling %d MB (docs/fake-server.md)\n", runtime.GOMAXPROCS(0), runtime.Version(), soakCeiling>>20)
	fmt.Printf("RSS is this whole process's (load generator included); the peak is VmHWM since the phase began.\n\n")
	fmt.Printf("%-58s %9s %8s %10s %10s %16s\n", "phase", "requests", "time", "peak RSS", "RSS after", "heap after GC")
	for _, p := range phases {
		fmt.Printf("%-58s %9d %8s %7d MB %7d MB %13.1f MB\n", p.name, p.requests, p.took.Round(100*time.Millisecond),
			p.peak>>20, p.rss>>20, float64(p.heapAfterGC)/(1<<20))
	}
	fmt.Printf("\nstate after each phase:\n")
	for _, p := range phases {
		fmt.Printf("  %-58s %s\n", p.name, p.stateSummary)
	}
	for _, p := range phases {
		if p.peak > soakCeiling {
			t.Errorf("%s: peak RSS %d MB is over the %d MB ceiling", p.name, p.peak>>20, soakCeiling>>20)
		}
	}
}

// soakBigBodies sends soakBodies POSTs of a 1 MiB body to a path that does not
// exist, from four connections; each must answer 404.
func soakBigBodies(ctx context.Context, t *testing.T, c *http.Client, api string) int64 {
	body := bytes.Repeat([]byte("x"), soakBodySize)
	var next, sent atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for next.Add(1) <= soakBodies && ctx.Err() == nil {
				res, err := c.Post(api+"/soak/no-such-path", "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					t.Errorf("POST: %v", err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("POST of 1 MiB to an unknown path answered %d", res.StatusCode)
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	return sent.Load()
}

// soakSessions runs soakLoops loops over soakWorkers workers: every tenth loop
// registers a new user (15 000 in all: past the 10 000 kept), the others log the
// worker's latest user in; then one refresh with the new cookie and one idea created
// with the refreshed access token.
func soakSessions(ctx context.Context, t *testing.T, c *http.Client, api string) int64 {
	var next, requests atomic.Int64
	var wg sync.WaitGroup
	for w := range soakWorkers {
		wg.Go(func() {
			email := ""
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > soakLoops {
					return
				}
				var status int
				var cookie, access string
				if email == "" || i%10 == 0 {
					email = fmt.Sprintf("soak-%d-%d@soak.test", w, i)
					status, cookie, access = soakAuth(t, c, api+"/api/auth/register",
						`{"name":"Soak","email":"`+email+`","password":"pw"}`, "")
					if status != http.StatusCreated {
						t.Errorf("register answered %d", status)
						return
					}
				} else {
					status, cookie, access = soakAuth(t, c, api+"/api/auth/login", `{"email":"`+email+`","password":"pw"}`, "")
					if status != http.StatusOK {
						t.Errorf("login answered %d", status)
						return
					}
				}
				status, _, access = soakAuth(t, c, api+"/api/auth/refresh", "", cookie)
				if status != http.StatusOK {
					t.Errorf("refresh answered %d", status)
					return
				}
				req, _ := http.NewRequest(http.MethodPost, api+"/api/ideas",
					strings.NewReader(`{"title":"soak `+strconv.FormatInt(i, 10)+`","summary":"s","description":"a long-running serve session","tags":["soak"]}`))
				req.Header.Set("Authorization", "Bearer "+access)
				req.Header.Set("Content-Type", "application/json")
				res, err := c.Do(req)
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					t.Errorf("create answered %d", res.StatusCode)
					return
				}
				requests.Add(3)
				if i%30_000 == 0 {
					fmt.Printf("  ... %d loops\n", i)
				}
			}
		})
	}
	wg.Wait()
	return requests.Load()
}

// soakAuth posts to an auth endpoint and returns the status, the refresh cookie
// set and the access token answered.
func soakAuth(t *testing.T, c *http.Client, url, body, cookie string) (int, string, string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if cookie != "" {
		req.Header.Set("Cookie", "refreshToken="+cookie)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, "", ""
	}
	defer res.Body.Close()
	var out struct{ AccessToken string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	_, _ = io.Copy(io.Discard, res.Body)
	for _, ck := range res.Cookies() {
		if ck.Name == "refreshToken" {
			cookie = ck.Value
		}
	}
	return res.StatusCode, cookie, out.AccessToken
}

func soakGet(t *testing.T, c *http.Client, url string) []byte {
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return b
}

// measure reads the phase's figures: peak and current RSS, then the live heap
// after a full collection, and the server's state.
func measure(name string, requests int64, took time.Duration, api string, c *http.Client) soakPhase {
	p := soakPhase{name: name, requests: requests, took: took}
	p.peak, p.rss = procStatus("VmHWM"), procStatus("VmRSS")
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	p.heapAfterGC = m.HeapAlloc
	res, err := c.Get(api + "/_tokenclock/state")
	if err == nil {
		var st struct {
			Users, Families, Requests, JournalDropped int
			Evicted                                   map[string]int
		}
		_ = json.NewDecoder(res.Body).Decode(&st)
		res.Body.Close()
		p.stateSummary = fmt.Sprintf("requests %d, journal dropped %d, users %d, families started %d, evicted %v",
			st.Requests, st.JournalDropped, st.Users, st.Families, st.Evicted)
	}
	return p
}

// resetPeak restarts VmHWM from the current RSS (Linux: clear_refs 5).
func resetPeak(t *testing.T) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS (%v): peaks are since the process started", err)
	}
}

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return -1
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb << 10
}

// bannerWriter is serve's stdout: it keeps the first lines (the banner) and counts
// the rest, so the soak holds no log in memory.
type bannerWriter struct {
	mu    sync.Mutex
	head  bytes.Buffer
	lines int
}

func (w *bannerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.head.Len() < 8<<10 {
		w.head.Write(p)
	}
	w.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func (w *bannerWriter) waitAPI(t *testing.T) string {
	re := regexp.MustCompile(`API on (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		w.mu.Lock()
		m := re.FindStringSubmatch(w.head.String())
		w.mu.Unlock()
		if m != nil {
			return m[1]
		}
	}
	t.Fatalf("serve printed no banner")
	return ""
}
