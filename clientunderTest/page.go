package clientundertest

import "net/http"

// FeatureBrowser is the hello feature of a client whose code runs in a real browser
// page (browser mode): the browser, not the client, keeps the cookies and enforces
// CORS, SameSite and credentials rules. Rows about those rules need it.
const FeatureBrowser = "browser"

// Origin is where a browser client's page comes from, relative to the API
// (Scenario.Origin, Env.Origin).
type Origin string

// The page origins a scenario can choose.
const (
	// SameOrigin: the API's own server serves the page (fakeserver.PagePrefix), so
	// no request is cross-origin. The default.
	SameOrigin Origin = ""
	// CrossOrigin: the page comes from another port of 127.0.0.1 — another origin of
	// the same site: CORS applies (the API must allow the page's origin, with
	// credentials), SameSite cookies are still sent.
	CrossOrigin Origin = "cross-origin"
	// CrossSite: the page comes from localhost — another site than 127.0.0.1, so
	// besides CORS, SameSite=Lax and Strict cookies are neither sent nor stored on
	// the page's fetches.
	CrossSite Origin = "cross-site"
)

// PageHost is implemented by clients whose code runs in a page the harness serves
// (browser mode). The harness mounts PageHandler on every scenario's server (for
// SameOrigin) and allows PageOrigin in the server's CORS (for the other origins).
type PageHost interface {
	// PageHandler serves the page and its scripts under fakeserver.PagePrefix.
	PageHandler() http.Handler
	// PageOrigin is the origin the page is served from for o, as a browser writes it
	// ("http://127.0.0.1:41234"); "" for SameOrigin, whose origin is the API's.
	PageOrigin(o Origin) string
}
