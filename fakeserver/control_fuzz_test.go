package fakeserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// FuzzControl feeds arbitrary methods, paths and bodies to the control API: whatever
// arrives, the answer is JSON {message} or a success, never a 5xx or a panic.
func FuzzControl(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"POST", "/_tokenclock/clock/advance", `{"by":"61s"}`},
		{"POST", "/_tokenclock/clock/advance", `{"by":"9223372036854775807ns"}`},
		{"POST", "/_tokenclock/clock/advance", `{"by":"-2562047h"}`},
		{"POST", "/_tokenclock/expire", `{"what":"refresh"}`},
		{"POST", "/_tokenclock/revoke", `{"what":"all","email":null}`},
		{"POST", "/_tokenclock/faults", `{"action":"status","status":503,"delay":"2s"}`},
		{"POST", "/_tokenclock/faults", `{"action":"delay","delay":"1e9h"}`},
		{"POST", "/_tokenclock/faults", `{"action":"status","status":1e100}`},
		{"POST", "/_tokenclock/faults", `{"times":9223372036854775808}`},
		{"POST", "/_tokenclock/faults", `{"action":"hold","times":1,"releaseAfter":9223372036854775807}`},
		{"POST", "/_tokenclock/faults", `{"action":"hold","holdFor":"90s"}`},
		{"POST", "/_tokenclock/faults/release", `{"id":1}`},
		{"POST", "/_tokenclock/faults/release", ``},
		{"POST", "/_tokenclock/faults/remove", `{"id":9223372036854775807}`},
		{"POST", "/_tokenclock/revoke", `{"what":"refresh","family":"R0"}`},
		{"DELETE", "/_tokenclock/faults", ``},
		{"GET", "/_tokenclock/journal", ``},
		{"GET", "/_tokenclock/state", ``},
		{"POST", "/_tokenclock/reset", `{`},
		{"PATCH", "/_tokenclock/../state", "\x00"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClock()})
	h := srv.ControlHandler()
	f.Fuzz(func(t *testing.T, method, path, body string) {
		req := &http.Request{
			Method: method, URL: &url.URL{Path: path}, Header: http.Header{},
			Body: http.NoBody, Host: "127.0.0.1",
		}
		if body != "" {
			req.Body = io.NopCloser(strings.NewReader(body))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s %q: status %d: %s", method, path, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: answer is not JSON: %q", method, path, body, rec.Body)
		}
	})
}
