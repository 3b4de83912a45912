package driver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// command is one line from the harness: its id, its name and the line itself, which
// each command decodes into the fields it reads (every other field is ignored, as
// the protocol requires).
type command struct {
	id   int64
	name string
	line []byte
}

// parseCommand reads the id and the command name of line. A line it cannot answer (not
// a JSON object, no integer id) is an error: logged and skipped, since no reply can
// name it. A line with an id but no command name gets a reply saying so.
func parseCommand(line []byte) (command, fields, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(line, &env); err != nil {
		return command{}, nil, fmt.Errorf("not a JSON object: %w", err)
	}
	id, ok := integer(env["id"])
	if !ok {
		return command{}, nil, errors.New("no integer id")
	}
	c := command{id: id, line: line}
	if err := json.Unmarshal(env["cmd"], &c.name); err != nil || c.name == "" {
		return c, errorReply("bad command: cmd must be a non-empty string"), nil
	}
	return c, nil, nil
}

// maxSafeInteger is the largest integer every JSON implementation reads exactly
// (2^53 - 1): JavaScript's Number.MAX_SAFE_INTEGER.
const maxSafeInteger = 1<<53 - 1

// integer reads a JSON number with an integral value (1 and 1.0 alike, as a
// JavaScript driver would); anything else, a string included, is not one.
func integer(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil || f != math.Trunc(f) || math.Abs(f) > maxSafeInteger {
		return 0, false
	}
	return int64(f), true
}

// helloFields are hello's fields.
type helloFields struct {
	Protocol json.RawMessage `json:"protocol"`
}

// initFields are init's fields; Instances is nil when absent (one instance).
type initFields struct {
	BaseURL   string `json:"baseURL"`
	Scenario  string `json:"scenario"`
	Now       string `json:"now"`
	Instances *int   `json:"instances"`
	// The oauth2 profile's fields (absent under cookie).
	Profile      string `json:"profile"`
	TokenURL     string `json:"tokenURL"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// loginFields are login's fields.
type loginFields struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Instance *int   `json:"instance"`
}

// requestFields are request's fields. BodyKind other than "json" needs feature
// bodies, which the kit does not offer.
type requestFields struct {
	Method   *string           `json:"method"`
	Path     *string           `json:"path"`
	Body     json.RawMessage   `json:"body"`
	Headers  map[string]string `json:"headers"`
	BodyKind *string           `json:"bodyKind"`
	Instance *int              `json:"instance"`
}

// call is the Call the request asks for.
func (f requestFields) call() Call {
	c := Call{Method: *f.Method, Path: *f.Path, Headers: f.Headers}
	if body := bytes.TrimSpace(f.Body); len(body) > 0 && !bytes.Equal(body, []byte("null")) {
		c.Body = body
	}
	return c
}

// instanceFields are the fields of logout and restart: the instance they name.
type instanceFields struct {
	Instance *int `json:"instance"`
}

// cancelFields are cancel's fields.
type cancelFields struct {
	Target json.RawMessage `json:"target"`
}

// clockFields are clock's fields: set carries now, tick carries by and byMs (the
// harness sends both; byMs is read when present, being exact).
type clockFields struct {
	Mode string `json:"mode"`
	Now  string `json:"now"`
	By   string `json:"by"`
	ByMs *int64 `json:"byMs"`
}

// decode reads the fields of c into v; a field of the wrong type is a reply naming
// the command, never a crash.
func decode(c command, v any) fields {
	if err := json.Unmarshal(c.line, v); err != nil {
		return errorReply("bad %s: %v", c.name, err)
	}
	return nil
}
