package conformance

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// secretBook maps every token secret a client was issued in this run, and the
// encodings a client might print it in, to its label.
type secretBook map[string]string

// scrubber keeps the secrets a client was issued and scrubs results with them: a
// secretBook, or a client's lockedBook shared by its parallel instances.
type scrubber interface {
	add(secrets map[string]string)
	scrub(res *ScenarioResult)
}

// fragmentMin is the shortest run of a secret's characters treated as a leaked part
// of it: a cut (a clipped stdout line, the front of a stderr tail) can leave any part.
const fragmentMin = 12

func (b secretBook) add(secrets map[string]string) {
	for secret, label := range secrets {
		b[secret] = label
		for _, enc := range []string{base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawURLEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret)} {
			if enc != secret {
				b[enc] = label
			}
		}
	}
}

// scrub replaces every secret in the book by its label in everything a report
// shows. It runs last, over every string the result carries that a client could put
// a token into (its replies, stderr, the paths it requested, messages quoting its
// output), so nothing built from client output escapes it.
func (b secretBook) scrub(res *ScenarioResult) {
	clean := b.cleaner()
	for i := range res.Replies {
		res.Replies[i].Body = clipBody(clean(res.Replies[i].Body))
		res.Replies[i].Error = clipBody(clean(res.Replies[i].Error))
	}
	for i := range res.Journal {
		res.Journal[i].Path = clean(res.Journal[i].Path)
		res.Journal[i].GrantType = clean(res.Journal[i].GrantType) // the client's own text
	}
	res.Stderr = clean(res.Stderr)
	res.Message = clean(res.Message)
	for i := range res.Findings {
		res.Findings[i].Expected = clean(res.Findings[i].Expected)
		res.Findings[i].Actual = clean(res.Findings[i].Actual)
	}
}

// cleaner replaces whole secrets by their labels, then any run of token characters
// of at least fragmentMin that is part of a secret by "<label>(part)".
func (b secretBook) cleaner() func(string) string {
	if len(b) == 0 {
		return func(s string) string { return s }
	}
	pairs := make([]string, 0, 2*len(b))
	grams := map[string]bool{} // every fragmentMin-long piece of every secret
	for secret, label := range b {
		pairs = append(pairs, secret, label)
		for i := 0; i+fragmentMin <= len(secret); i++ {
			grams[secret[i:i+fragmentMin]] = true
		}
	}
	whole := strings.NewReplacer(pairs...)
	return func(s string) string {
		return b.fragments(whole.Replace(s), grams)
	}
}

// fragments replaces, in s, every stretch of token characters at least fragmentMin
// long that is part of a secret (anywhere in a run: "/api/ideas/eyJhbGci…" too).
func (b secretBook) fragments(s string, grams map[string]bool) string {
	var out strings.Builder
	last := 0
	for i := 0; i+fragmentMin <= len(s); {
		if !grams[s[i:i+fragmentMin]] {
			i++
			continue
		}
		j := i + fragmentMin
		for j < len(s) && tokenChar(s[j]) && grams[s[j+1-fragmentMin:j+1]] {
			j++
		}
		out.WriteString(s[last:i])
		out.WriteString(b.partOf(s[i:i+fragmentMin]) + "(part)")
		last, i = j, j
	}
	if last == 0 {
		return s
	}
	out.WriteString(s[last:])
	return out.String()
}

// partOf is the label of a secret that contains gram.
func (b secretBook) partOf(gram string) string {
	for secret, label := range b {
		if strings.Contains(secret, gram) {
			return label
		}
	}
	return "?"
}

// tokenChar: the characters of JWTs, base64 (standard and URL) and URL escapes.
func tokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '+' || c == '/' || c == '=' || c == '%'
}
