package fakeserver

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The GraphQL lexer: the tokens of the executable-document subset graphql_parse.go
// reads (names, punctuators, numbers, strings), comments and commas skipped.

// tokKind is a lexical token's kind.
type tokKind int

const (
	tokEOF tokKind = iota
	tokPunct
	tokName
	tokNumber
	tokString
)

// gqlToken is one lexical token: a punctuator, a name, a number as written, or a
// string already decoded.
type gqlToken struct {
	kind tokKind
	text string
}

// describe names the token for a message.
func (t gqlToken) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the document"
	case tokString:
		return "a string"
	}
	s := t.text
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// gqlLexer splits a document into tokens (GraphQL spec §2.1), skipping white
// space, commas and comments. Block strings ("""…""") are refused: executable
// documents rarely hold them and this server has no use for them.
type gqlLexer struct {
	src string
	pos int
}

// next returns the next token; a lexical error stops the parse (gqlFail).
func (l *gqlLexer) next() gqlToken {
	l.skipIgnored()
	if l.pos >= len(l.src) {
		return gqlToken{kind: tokEOF}
	}
	c := l.src[l.pos]
	switch {
	case strings.IndexByte("!$&():=@[]{}|", c) >= 0:
		l.pos++
		return gqlToken{kind: tokPunct, text: string(c)}
	case c == '.':
		if !strings.HasPrefix(l.src[l.pos:], "...") {
			gqlFail(`unexpected "."`)
		}
		l.pos += 3
		return gqlToken{kind: tokPunct, text: "..."}
	case c == '_' || isLetter(c):
		start := l.pos
		for l.pos < len(l.src) && (l.src[l.pos] == '_' || isLetter(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		return gqlToken{kind: tokName, text: l.src[start:l.pos]}
	case c == '-' || isDigit(c):
		return l.number()
	case c == '"':
		return l.quoted()
	}
	r := []rune(l.src[l.pos:min(l.pos+4, len(l.src))])
	gqlFail("unexpected character %q", r[0])
	return gqlToken{}
}

// skipIgnored skips white space, line terminators, commas, comments and a BOM.
func (l *gqlLexer) skipIgnored() {
	for l.pos < len(l.src) {
		switch c := l.src[l.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case strings.HasPrefix(l.src[l.pos:], "\ufeff"):
			l.pos += len("\ufeff")
		default:
			return
		}
	}
}

// number lexes IntValue or FloatValue: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// which is also a valid JSON number, not followed by a name start or a dot.
func (l *gqlLexer) number() gqlToken {
	start := l.pos
	digits := func() int {
		n := 0
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
			n++
		}
		return n
	}
	if l.src[l.pos] == '-' {
		l.pos++
	}
	intStart := l.pos
	if digits() == 0 || (l.src[intStart] == '0' && l.pos-intStart > 1) {
		gqlFail("invalid number %q", l.src[start:l.pos])
	}
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		if digits() == 0 {
			gqlFail("invalid number %q", l.src[start:l.pos])
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if digits() == 0 {
			gqlFail("invalid number %q", l.src[start:l.pos])
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == '.' || l.src[l.pos] == '_' || isLetter(l.src[l.pos])) {
		gqlFail("invalid number %q", l.src[start:l.pos+1])
	}
	return gqlToken{kind: tokNumber, text: l.src[start:l.pos]}
}

// quoted lexes a quoted string. Its escapes (\" \\ \/ \b \f \n \r \t \uXXXX) are
// JSON's, so the literal is decoded as a JSON string; a line break inside it, or
// an unknown escape, is an error in both languages.
func (l *gqlLexer) quoted() gqlToken {
	if strings.HasPrefix(l.src[l.pos:], `"""`) {
		gqlFail("block strings are not supported")
	}
	start := l.pos
	l.pos++
	for {
		if l.pos >= len(l.src) {
			gqlFail("unterminated string")
		}
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
			continue
		case '\n', '\r':
			gqlFail("unterminated string")
		case '"':
			l.pos++
			var s string
			if json.Unmarshal([]byte(l.src[start:l.pos]), &s) != nil {
				gqlFail("invalid string %s", strconv.Quote(clipString(l.src[start:l.pos], 40)))
			}
			return gqlToken{kind: tokString, text: s}
		}
		l.pos++
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
