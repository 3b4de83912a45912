package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Scenario is one row of the catalog: a value, not a scattered test. Play drives the
// client on a fresh server and records findings on the Session; Execute turns those
// into an outcome.
type Scenario struct {
	// ID is hand-written and stable forever (CONC-01); never positional.
	ID    string
	Title string
	Level Level
	// Requirements are the contract rows the scenario judges.
	Requirements []RequirementID
	// Family groups scenarios for labels: exp-access, exp-refresh, conc, loop, rot, session.
	Family string
	// Features the driver must announce in hello; otherwise the scenario is skipped.
	Features []string
	// Server adjusts the fake server's options before it starts (nil: defaults).
	Server func(*fakeserver.Options)
	// Play sets up the server, drives the client and judges. It runs with a logged-in
	// client unless LoggedOut is set.
	Play func(s *Session)
	// LoggedOut skips the automatic login before Play.
	LoggedOut bool
	// Instances is how many client instances (tabs of one profile) the client builds
	// at init; more than one needs feature instances in Features.
	Instances int
	// Origin is where a browser client's page comes from (browser mode): the API's own
	// origin by default; another origin or site makes the API answer CORS for it. A
	// row that sets it needs feature browser in Features.
	Origin cut.Origin
	// NotInBrowser, when set, is why the row cannot run in a real browser (a body kind
	// Chromium does not send): a client with feature browser skips it, naming this.
	NotInBrowser string
	// Profile, when set, is the one server profile the row applies to
	// (fakeserver.ProfileCookie or ProfileOAuth2); under the other it is skipped,
	// naming ProfileReason. "": the row plays under every profile.
	Profile       string
	ProfileReason string
	// Alone marks a row that must play with no other scenario running (Options.Parallel):
	// one whose judgement depends on real time the machine's load could stretch, or
	// whose own load would stretch other rows'. Declared here, never guessed.
	Alone bool
}

// Labels are the Ginkgo-style labels of the scenario (level:must, family:conc, req:rc2).
func (sc Scenario) Labels() []string {
	labels := []string{"level:" + strings.ToLower(string(sc.Level)), "family:" + sc.Family}
	for _, r := range sc.Requirements {
		labels = append(labels, "req:"+strings.ToLower(string(r)))
	}
	return labels
}

// Catalog is an ordered list of scenarios.
type Catalog []Scenario

// ByID finds a scenario; ok is false for an unknown ID.
func (c Catalog) ByID(id string) (Scenario, bool) {
	for _, sc := range c {
		if sc.ID == id {
			return sc, true
		}
	}
	return Scenario{}, false
}

// Select is the scenarios whose ID matches the regular expression focus ("" selects all).
func (c Catalog) Select(focus string) (Catalog, error) {
	re, err := regexp.Compile(focus)
	if err != nil {
		return nil, fmt.Errorf("--focus: %w", err)
	}
	var out Catalog
	for _, sc := range c {
		if re.MatchString(sc.ID) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Digest is a hash of the catalog's IDs, levels and requirement texts: two runs with
// the same digest judged the same rows by the same rules.
func (c Catalog) Digest() string {
	h := sha256.New()
	for _, sc := range c {
		fmt.Fprintf(h, "%s\x00%s\x00", sc.ID, sc.Level)
		for _, r := range sc.Requirements {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00", r, r.Level(), r.Text())
		}
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}
