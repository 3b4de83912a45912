package fakeserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// benchLogin adds Ada and logs her in through h, returning her access token and
// the exact bytes GET /api/auth/me answers with it (the bare baseline serves these).
func benchLogin(b *testing.B, srv *fakeserver.Server) (token string, me []byte) {
	b.Helper()
	if _, err := srv.AddUser("Ada", "ada@example.test", "correct horse"); err != nil {
		b.Fatalf("adding the user: %v", err)
	}
	h := srv.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/auth/login",
		bytes.NewReader([]byte(`{"email":"ada@example.test","password":"correct horse"}`))))
	var body struct{ AccessToken string }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.AccessToken == "" {
		b.Fatalf("login answered %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, meRequest(body.AccessToken))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET /api/auth/me answered %d %s", rec.Code, rec.Body)
	}
	return body.AccessToken, rec.Body.Bytes()
}

func meRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/auth/me", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// getMe sends one authenticated GET /api/auth/me and checks the 200, reading the
// body to the end so the connection is reused.
func getMe(c *http.Client, url, token string) error {
	req, err := http.NewRequest(http.MethodGet, url+"/api/auth/me", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /api/auth/me answered %d", resp.StatusCode)
	}
	return nil
}
