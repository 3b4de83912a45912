package fakeserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jonboulle/clockwork"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// fuzzServer is a server driven through Handler (no sockets), with one user, one
// idea and a live session whose tokens seed the corpus.
func fuzzServer(tb testing.TB) (*fakeserver.Server, string, string) {
	tb.Helper()
	srv := fakeserver.New(fakeserver.Options{
		Clock: clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)), SigningKey: hostileKey, JournalLimit: 64,
	})
	tb.Cleanup(srv.Close)
	if _, err := srv.AddUser("Ada", "ada@example.com", "pw-ada"); err != nil {
		tb.Fatal(err)
	}
	if _, err := srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "t", Summary: "s", Description: "d"}); err != nil {
		tb.Fatal(err)
	}
	rec := serve(srv, "POST", "/api/auth/login", `{"email":"ada@example.com","password":"pw-ada"}`, nil)
	var body struct{ AccessToken string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 200 {
		tb.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	refresh := ""
	for _, c := range rec.Result().Cookies() {
		refresh = c.Value
	}
	return srv, body.AccessToken, refresh
}

func serve(srv *fakeserver.Server, method, path, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

var (
	accessLabel   = regexp.MustCompile(`^(|\?|A[0-9]+)$`)
	accessStates  = map[string]bool{"valid": true, "expired": true, "revoked": true, "invalid": true, "none": true}
	allowedStatus = map[int]bool{200: true, 400: true, 401: true}
)

// checkReply fails on any 5xx and on an error without a {"message"} JSON body.
func checkReply(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var m struct{ Message string }
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m.Message == "" {
			t.Fatalf("status %d without {message}: %q", rec.Code, rec.Body)
		}
	}
}

// FuzzAuthorization: any Authorization header(s) on a protected resource is
// answered 200, 400 or 401 (never a panic or 5xx) and journalled with a label and
// state from the allowed set.
func FuzzAuthorization(f *testing.F) {
	srv, access, refresh := fuzzServer(f)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "u1", "jti": "x", "exp": 4102444800}).
		SignedString(jwt.UnsafeAllowNoneSignatureType)
	other, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u1", "jti": "x", "exp": 4102444800}).
		SignedString([]byte("another key"))
	for _, seed := range []string{
		"Bearer " + access, "bearer " + access, "Bearer  " + access + " ", "Bearer " + access + "x",
		"Bearer " + refresh, "Bearer " + none, "Bearer " + other, "Bearer", "Bearer ", "Basic YTpi", "",
		"Bearer a.b.c", "Bearer ..", "Bearer e30.e30.", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "\x00", "Bearer \xff",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, value string, twice bool) {
		h := http.Header{"Authorization": {value}}
		if twice {
			h["Authorization"] = []string{value, value}
		}
		rec := serve(srv, "GET", "/api/auth/me", "", h)
		checkReply(t, rec)
		if !allowedStatus[rec.Code] {
			t.Fatalf("status %d", rec.Code)
		}
		j := srv.Journal()
		e := j[len(j)-1]
		if !accessLabel.MatchString(e.AccessToken) || !accessStates[e.AccessState] {
			t.Fatalf("label %q state %q", e.AccessToken, e.AccessState)
		}
		if rec.Code == 200 && (e.AccessState != "valid" || e.AccessToken != "A0" || twice) {
			t.Fatalf("200 for %q state %q twice=%v", e.AccessToken, e.AccessState, twice)
		}
	})
}

// bodyTargets are the endpoints FuzzJSONBody posts to.
var bodyTargets = []struct{ method, path string }{
	{"POST", "/api/ideas"}, {"PUT", "/api/ideas/i1"}, {"POST", "/api/auth/register"},
	{"POST", "/api/auth/login"}, {"POST", "/api/auth/refresh"}, {"POST", "/api/auth/logout"},
}

// FuzzJSONBody: any body to the JSON endpoints never panics and never answers 5xx;
// errors are {"message"}.
func FuzzJSONBody(f *testing.F) {
	srv, access, refresh := fuzzServer(f)
	for _, seed := range []string{
		`{"title":"t","summary":"s","description":"d","tags":["a"]}`,
		`{"title":"t","summary":"s","description":"d","tags":null}`,
		`{"name":"n","email":"e@x","password":"p"}`, `{"email":"ada@example.com","password":"pw-ada"}`,
		`{"title":1}`, `{"tags":[1,2]}`, `[]`, `null`, `""`, `{}`, `{`, `{"a":1} {}`, "\xff", `{"title":"\ud800"}`,
		`{"title":"t","title":2}`, strings.Repeat("[", 10000), `{"email":{"$gt":""},"password":"x"}`,
	} {
		for i := range bodyTargets {
			f.Add(uint8(i), seed)
		}
	}
	f.Fuzz(func(t *testing.T, target uint8, body string) {
		tg := bodyTargets[int(target)%len(bodyTargets)]
		h := http.Header{"Authorization": {"Bearer " + access}, "Content-Type": {"application/json"}}
		if tg.path == "/api/auth/logout" {
			h.Set("Cookie", "refreshToken=not-"+refresh) // keep the session alive
		}
		checkReply(t, serve(srv, tg.method, tg.path, body, h))
	})
}
