package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// errBadBody is every 400 from a request body; the message says what is wrong.
var errBadBody = errors.New("bad request body")

// jsonObject decodes a body that must be exactly one JSON object. Fields are read
// one by one afterwards so a wrong type is a 400 naming the field, never a silent
// zero value.
func jsonObject(body []byte) (map[string]json.RawMessage, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: a JSON object is required", errBadBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: malformed JSON object", errBadBody)
	}
	if m == nil {
		return nil, fmt.Errorf("%w: a JSON object is required", errBadBody)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", errBadBody)
	}
	return m, nil
}

// stringField reads a required string field that must not be blank.
func stringField(m map[string]json.RawMessage, name string) (string, error) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return "", fmt.Errorf("%w: %s is required", errBadBody, name)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%w: %s must be a string", errBadBody, name)
	}
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%w: %s must not be empty", errBadBody, name)
	}
	return v, nil
}

// tagsField reads the optional tags: absent or null is [], else an array of strings.
func tagsField(m map[string]json.RawMessage) ([]string, error) {
	raw, ok := m["tags"]
	if !ok || isNull(raw) {
		return []string{}, nil
	}
	var tags []string
	if err := json.Unmarshal(raw, &tags); err != nil {
		return nil, fmt.Errorf("%w: tags must be an array of strings", errBadBody)
	}
	if tags == nil {
		tags = []string{}
	}
	return tags, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// ideaInput reads a POST/PUT idea body: title, summary, description required
// non-empty strings, tags optional.
func ideaInput(body []byte) (IdeaInput, error) {
	m, err := jsonObject(body)
	if err != nil {
		return IdeaInput{}, err
	}
	var in IdeaInput
	for _, f := range []struct {
		name string
		dst  *string
	}{{"title", &in.Title}, {"summary", &in.Summary}, {"description", &in.Description}} {
		if *f.dst, err = stringField(m, f.name); err != nil {
			return IdeaInput{}, err
		}
	}
	if in.Tags, err = tagsField(m); err != nil {
		return IdeaInput{}, err
	}
	return in, nil
}

// badBody turns a body error into its 400 reply.
func badBody(err error) reply {
	return messageReply(400, strings.TrimPrefix(err.Error(), errBadBody.Error()+": "))
}
