package clientundertest

import (
	"fmt"
	"strings"
)

// Built-in client commands: a --client value naming an in-process client instead of
// a driver command line.
const (
	// BuiltInReference names the in-process reference client.
	BuiltInReference = "go:reference"
	// BuiltInMutantPrefix followed by a mutant's name (go:mutant:refresh-on-403) names
	// that mutant.
	BuiltInMutantPrefix = "go:mutant:"
)

// IsBuiltIn reports whether command names an in-process client (go:reference or
// go:mutant:NAME, known or not) rather than a driver command line.
func IsBuiltIn(command string) bool {
	command = strings.TrimSpace(command)
	return command == BuiltInReference || strings.HasPrefix(command, BuiltInMutantPrefix)
}

// NewBuiltIn returns the in-process client command names. An unknown mutant, or a
// command that is not built in, is an error that lists the known names.
func NewBuiltIn(command string) (Client, error) {
	command = strings.TrimSpace(command)
	switch {
	case command == BuiltInReference:
		return NewReference(), nil
	case strings.HasPrefix(command, BuiltInMutantPrefix):
		m, err := NewMutant(strings.TrimPrefix(command, BuiltInMutantPrefix))
		if err != nil {
			return nil, fmt.Errorf("built-in client %q: %w", command, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("%q is not a built-in client (known: %s, %s<name> with name one of: %s)",
		command, BuiltInReference, BuiltInMutantPrefix, strings.Join(mutantNames(), ", "))
}
