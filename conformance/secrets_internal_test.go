package conformance

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestScrubLeavesNoPartOfASecret: whole secrets, their encodings and any part of them
// a cut could leave (the front of a clipped line, the tail of a cut stderr, inside a
// path) are all replaced.
func TestScrubLeavesNoPartOfASecret(t *testing.T) {
	secret := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1MSIsImp0aSI6IjEyMyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	cookie := "q7Vd0RkYp3-Jm2xT_wbE9sLfN4aHc6uZ"
	book := secretBook{}
	book.add(map[string]string{secret: "A0", cookie: "R0"})
	clean := book.cleaner()
	for name, text := range map[string]string{
		"whole":            "token " + secret + " cookie refreshToken=" + cookie,
		"clipped line":     `"debug: ` + secret[:40] + `"… (400 bytes)`,
		"cut stderr front": secret[25:] + "\nnext line",
		"inside a path":    "/api/ideas/" + secret[:30],
		"base64":           base64.StdEncoding.EncodeToString([]byte(secret)),
		"cookie part":      "refreshToken=" + cookie[:16] + "…",
	} {
		got := clean(text)
		for _, s := range []string{secret, cookie, base64.StdEncoding.EncodeToString([]byte(secret))} {
			for i := 0; i+fragmentMin <= len(s); i++ {
				if strings.Contains(got, s[i:i+fragmentMin]) {
					t.Fatalf("%s: %q still holds part of a secret (%q)", name, got, s[i:i+fragmentMin])
				}
			}
		}
	}
	if got := clean("A0 and R0 and an ordinary sentence about refresh tokens"); got != "A0 and R0 and an ordinary sentence about refresh tokens" {
		t.Fatalf("ordinary text changed: %q", got)
	}
}

func TestClipBodyTwiceIsOnce(t *testing.T) {
	long := strings.Repeat("x", maxReplyBody+10)
	once := clipBody(long)
	if twice := clipBody(once); twice != once {
		t.Fatalf("clipping a clipped body changed it:\n%q\n%q", once, twice)
	}
}
