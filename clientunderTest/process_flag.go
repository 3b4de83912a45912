package clientundertest

import (
	"errors"
	"regexp"
	"strings"
)

// clientName is the NAME of --client NAME=COMMAND: NAME[@LABEL], LABEL naming a
// runtime (app@node20).
var clientName = regexp.MustCompile(`^[a-z0-9-]+(@[a-z0-9.-]+)?$`)

// ParseClientFlag splits a --client value, [NAME=]COMMAND. NAME is clientName; it is
// recognised only when the text before the first '=' has that form, so a command
// such as `FOO=1 node driver.mjs` or `go:reference` passes through whole with an
// empty name (the caller numbers it client-N). An empty command is an error.
func ParseClientFlag(s string) (name, command string, err error) {
	command = s
	if before, after, ok := strings.Cut(s, "="); ok {
		switch {
		case before == "":
			return "", "", errors.New("--client " + strings.TrimSpace(s) + ": empty NAME before '='")
		case clientName.MatchString(before):
			name, command = before, after
		}
	}
	command = strings.TrimSpace(command)
	if command == "" {
		return "", "", errors.New("--client " + s + ": empty command (want [NAME=]COMMAND)")
	}
	return name, command, nil
}
