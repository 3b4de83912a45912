package conformance

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// The server profile a client is judged under (fakeserver.Profile*): how a run names
// it, and what a row asks of the session about it.

// profileName is a profile as given or recorded, cookie when none was: the one place
// "" means cookie in this package.
func profileName(p string) string { return cmp.Or(p, fakeserver.ProfileCookie) }

// ProfileName is the profile the client was judged under, cookie for results
// from before profiles existed.
func (c ClientResult) ProfileName() string { return profileName(c.Profile) }

// profileOf is the client's profile, cookie when unset.
func profileOf(spec ClientSpec) string {
	return profileName(spec.Profile)
}

// profileFix says how to run a client under a profile it supports.
func profileFix(profile string, hello cut.Hello) string {
	known := slices.DeleteFunc(slices.Clone(hello.ProfileNames()), func(p string) bool {
		return !slices.Contains(fakeserver.Profiles, p)
	})
	if len(known) == 0 {
		// A misspelt name: suggesting --profile with it would only fail again.
		return fmt.Sprintf("make its driver announce %q in hello's profiles, which name none the server has (%s)",
			profile, strings.Join(fakeserver.Profiles, ", "))
	}
	if profile == fakeserver.ProfileCookie {
		return fmt.Sprintf("run it with --profile NAME=%s", known[0])
	}
	return fmt.Sprintf("drop --profile %s for it, or make its driver announce %q in hello's profiles", profile, profile)
}

// Profile is the server profile the row is judged under (fakeserver.Profile*).
func (s *Session) Profile() string { return s.profile }

// BadCredentialsStatus is what the server answers a login with a wrong password
// under the row's profile: 401 {message} from the cookie login, 400 invalid_grant
// from the oauth2 password grant (RFC 6749 §5.2).
func (s *Session) BadCredentialsStatus() int {
	if s.profile == fakeserver.ProfileOAuth2 {
		return http.StatusBadRequest
	}
	return http.StatusUnauthorized
}

// AuthPath is where the client makes the auth call named by call under the row's
// profile: the cookie endpoint itself, or oauth2's token or revocation endpoint.
func (s *Session) AuthPath(call string) string {
	if s.profile != fakeserver.ProfileOAuth2 {
		return call
	}
	if call == fakeserver.PathLogout {
		return fakeserver.PathRevoke
	}
	return fakeserver.PathToken
}
