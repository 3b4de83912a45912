package runner

import (
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// rerun is the command line that reruns one scenario for one client with the same
// settings: every value is single-quoted, so it survives a shell round trip whatever
// quotes, dollars or spaces the client command holds.
func (cfg Config) rerun(c conformance.ClientSpec, id string) string {
	o := cfg.Options
	args := []string{shellQuote(cfg.Program), "run", "--client", shellQuote(c.Name + "=" + c.Command),
		"--focus", shellQuote("^" + id + "$")}
	if c.Profile != "" && c.Profile != fakeserver.ProfileCookie {
		args = append(args, "--profile", shellQuote(c.Profile))
	}
	if c.ExpectedFailuresFile != "" {
		args = append(args, "--expect-failures", shellQuote(c.Name+"="+c.ExpectedFailuresFile))
	}
	if o.Strict {
		args = append(args, "--strict")
	}
	d := conformance.DefaultLimits()
	for _, l := range []struct {
		flag      string
		got, want string
	}{
		{"--deadline", o.Limits.Deadline.String(), d.Deadline.String()},
		{"--quiet-period", o.Limits.QuietPeriod.String(), d.QuietPeriod.String()},
		{"--hold-bound", o.Limits.HoldBound.String(), d.HoldBound.String()},
		{"--settle-window", o.Limits.SettleWindow.String(), d.SettleWindow.String()},
		{"--hello-timeout", o.HelloTimeout.String(), cut.DefaultHelloTimeout.String()},
	} {
		if l.got != l.want {
			args = append(args, l.flag, l.got)
		}
	}
	return strings.Join(args, " ")
}

// shellQuote quotes s for a POSIX shell; plain words stay bare for readability.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
