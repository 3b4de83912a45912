package fakeserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// controlMessage is the {"message"} body of control errors and plain acknowledgements.
type controlMessage struct {
	Message string `json:"message"`
}

// controlNow is the {"now"} answer of the routes that move the clock.
type controlNow struct {
	Now string `json:"now"`
}

// formatControlTime renders a server time the way the journal does (RFC 3339 with
// nanoseconds), in UTC so answers do not depend on the machine's zone.
func formatControlTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// writeControlJSON answers v as JSON with the given status.
func writeControlJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own reply types reach here; a failure is a bug, said plainly.
		status = http.StatusInternalServerError
		body, _ = json.Marshal(controlMessage{Message: "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// writeControlError answers {"message"} with the given status.
func writeControlError(w http.ResponseWriter, status int, message string) {
	writeControlJSON(w, status, controlMessage{Message: message})
}

// controlBadRequest is a client mistake in a control body: answered 400 with its text.
type controlBadRequest struct{ msg string }

func (e controlBadRequest) Error() string { return e.msg }

// badControl builds a controlBadRequest from a format.
func badControl(format string, args ...any) error {
	return controlBadRequest{msg: fmt.Sprintf(format, args...)}
}

// decodeControlBody reads a JSON object from the request into v. Unknown fields are
// tolerated (newer tools may send more); a missing, malformed or wrongly typed body
// is a controlBadRequest, a body over MaxBodyBytes is *http.MaxBytesError.
func decodeControlBody(w http.ResponseWriter, r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("reading control body: %w", tooLarge)
		}
		return badControl("reading the body: %v", err)
	}
	if len(raw) == 0 {
		return errNoControlBody
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field != "" {
				return badControl("field %q must be a JSON %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
			}
			return badControl("the body must be a JSON object, not %s", typeErr.Value)
		}
		return badControl("the body is not valid JSON: %v", err)
	}
	return nil
}

// errNoControlBody is decodeControlBody's error for an empty body.
var errNoControlBody error = controlBadRequest{msg: "a JSON object body is required"}

// decodeOptionalControlBody is decodeControlBody for a route whose fields are all
// optional: an empty body is taken as {} (curl -X POST sends none), v left as is.
func decodeOptionalControlBody(w http.ResponseWriter, r *http.Request, v any) error {
	if err := decodeControlBody(w, r, v); !errors.Is(err, errNoControlBody) {
		return err
	}
	return nil
}

// jsonKind names a Go kind the way a JSON author thinks of it.
func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	default:
		return "object"
	}
}

// writeControlDecodeError answers a decodeControlBody or validation failure:
// 413 for an oversized body, 400 for everything else.
func writeControlDecodeError(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeControlError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("body larger than %d bytes", tooLarge.Limit))
		return
	}
	writeControlError(w, http.StatusBadRequest, err.Error())
}

// wholeNumber reads an optional JSON number field that must be a whole number: any
// spelling of one (503, 1e3, 503.0, 5.03e2), as JSON itself does not tell them
// apart. Absent or null is 0. The value must fit an int.
func wholeNumber(name string, raw json.RawMessage) (int, error) {
	v := strings.TrimSpace(string(raw))
	if v == "" || v == "null" {
		return 0, nil
	}
	if c := v[0]; c != '-' && (c < '0' || c > '9') {
		return 0, badControl("field %q must be a JSON number, not %s", name, jsonValueKind(c))
	}
	n, whole, inRange := parseWhole(v)
	switch {
	case !whole:
		return 0, badControl("field %q must be a whole number, not %s", name, quoteForMessage(v))
	case !inRange:
		return 0, badControl("field %q is out of range: %s", name, quoteForMessage(v))
	}
	return n, nil
}

// maxExponent is beyond any exponent that matters for a body of MaxBodyBytes.
const maxExponent = 1 << 24

// parseWhole reads a JSON number (already valid JSON) exactly, from its digits and
// exponent: no float rounding, and no work that grows with the exponent.
func parseWhole(v string) (n int, whole, inRange bool) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	mant, expPart, hasExp := strings.Cut(strings.ToLower(v), "e")
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, true, true // zero, whatever its exponent
	}
	exp := -len(frac)
	if hasExp {
		e, err := strconv.Atoi(strings.TrimPrefix(expPart, "+"))
		if err != nil || e > maxExponent || e < -maxExponent { // astronomically large or small
			return 0, !strings.HasPrefix(expPart, "-"), false
		}
		exp += e
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	switch {
	case exp < 0:
		return 0, false, false
	case len(trimmed)+exp > 19:
		return 0, true, false
	}
	u, err := strconv.ParseUint(trimmed+strings.Repeat("0", exp), 10, 64)
	limit := uint64(math.MaxInt)
	if neg {
		limit++ // -MaxInt-1 is an int
	}
	if err != nil || u > limit {
		return 0, true, false
	}
	if neg {
		return int(-u), true, true
	}
	return int(u), true, true
}

// jsonValueKind names the JSON type a value starting with c has.
func jsonValueKind(c byte) string {
	switch c {
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case '[':
		return "array"
	}
	return "object"
}
