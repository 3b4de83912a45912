package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// SendsOf are the journal entries that are sends of call: same method, same path
// (query ignored, as the journal records paths) and, when the call has a body, a
// JSON-equal body.
func SendsOf(j fakeserver.Journal, call cut.Call) fakeserver.Journal {
	path := call.Path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return j.Where(func(e fakeserver.Entry) bool {
		if e.Method != call.Method || e.Path != path {
			return false
		}
		return len(call.Body) == 0 || JSONEqual(e.Body, call.Body)
	})
}

// JSONEqual compares two JSON documents by value (key order and spacing ignored).
func JSONEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// IssuedBy is the access label the first successful refresh in j minted ("" if none).
func IssuedBy(j fakeserver.Journal) string {
	for _, e := range j.Refreshes() {
		if e.Status == 200 && e.IssuedAccess != "" {
			return e.IssuedAccess
		}
	}
	return ""
}

// TokenList describes the access tokens of entries: "A0→401, A1→200".
func TokenList(j fakeserver.Journal) string {
	if len(j) == 0 {
		return "no sends"
	}
	parts := make([]string, 0, len(j))
	for i, e := range j {
		if i == 12 {
			parts = append(parts, fmt.Sprintf("… %d more", len(j)-12))
			break
		}
		tok := e.AccessToken
		if tok == "" {
			tok = "no token"
		}
		if e.AuthorizationHeaders > 1 {
			tok = fmt.Sprintf("%s (%d Authorization headers)", tok, e.AuthorizationHeaders)
		}
		parts = append(parts, fmt.Sprintf("%s→%s", tok, statusText(e.Status)))
	}
	return strings.Join(parts, ", ")
}

func statusText(status int) string {
	if status == 0 {
		return "reset"
	}
	return fmt.Sprint(status)
}

// RefreshList describes refresh calls: "R0→200, R0→401 (reused)".
func RefreshList(j fakeserver.Journal) string {
	rs := j.Refreshes()
	if len(rs) == 0 {
		return "no refresh call"
	}
	parts := make([]string, 0, len(rs))
	for i, e := range rs {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("… %d more", len(rs)-5))
			break
		}
		tok := e.RefreshToken
		if tok == "" {
			tok = "no refresh token"
		}
		part := fmt.Sprintf("%s→%s", tok, statusText(e.Status))
		var notes []string
		if e.RefreshState != fakeserver.StateValid && e.RefreshState != "" {
			notes = append(notes, e.RefreshState)
		}
		if e.GraceReuse {
			notes = append(notes, "grace reuse")
		}
		if e.Instance != 0 {
			notes = append(notes, fmt.Sprintf("tab %d", e.Instance))
		}
		if len(notes) > 0 {
			part += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

func Plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// JSONField reads one top-level field of a JSON object (nil when absent or not JSON).
func JSONField(doc []byte, name string) any {
	var m map[string]any
	if json.Unmarshal(doc, &m) != nil {
		return nil
	}
	return m[name]
}
