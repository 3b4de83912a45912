package fakeserver

// The fake server's paths, in one place (fake-server-api.md): clients and drivers
// written by third parties depend on them, so they never change.
const (
	// PathAuthPrefix is the auth API's common prefix, and the refresh cookie's Path:
	// the browser sends the cookie to every auth endpoint and to nothing else.
	PathAuthPrefix = "/api/auth"
	// PathRegister is POST: {name, email, password} → 201 {accessToken, expiresIn, user}.
	PathRegister = PathAuthPrefix + "/register"
	// PathLogin is POST: {email, password} → 200 {accessToken, expiresIn, user}.
	PathLogin = PathAuthPrefix + "/login"
	// PathRefresh is POST with the refresh cookie → 200 {accessToken, expiresIn, user}
	// and a rotated cookie; the journal's most queried path.
	PathRefresh = PathAuthPrefix + "/refresh"
	// PathLogout is POST with the refresh cookie: revokes its family, clears the cookie.
	PathLogout = PathAuthPrefix + "/logout"
	// PathMe is GET with a Bearer access token → the user.
	PathMe = PathAuthPrefix + "/me"
	// PathIdeas lists (GET) and creates (POST) ideas; PathIdeas + "/{id}" is one idea.
	PathIdeas = "/api/ideas"
	// PathAttachments is the pattern of an idea's uploads: POST a file (multipart or
	// raw) to PathIdeas + "/{id}/attachments" (AttachmentsPath builds one).
	PathAttachments = PathIdeas + "/{id}/attachments"
	// PathEvents is GET with a Bearer access token → a text/event-stream of the
	// events the harness publishes (events.go); Last-Event-ID resumes.
	PathEvents = "/api/events"
	// PathGraphQL is POST {query, variables} → the query me or the mutation
	// createIdea (graphql.go), outside /api/ as GraphQL endpoints usually are.
	PathGraphQL = "/graphql"
	// PathToken is the oauth2 profile's token endpoint (RFC 6749 §3.2): POST,
	// form-encoded, grant_type password (the harness's login) or refresh_token
	// (the refresh call), client authentication by client_id/client_secret in the
	// body or HTTP Basic → 200 {access_token, token_type, expires_in, refresh_token}
	// or an RFC 6749 §5.2 error (oauth.go).
	PathToken = "/oauth/token"
	// PathRevoke is the oauth2 profile's revocation endpoint (RFC 7009): POST token=
	// a refresh token revokes its family; always 200 for a known client.
	PathRevoke = "/oauth/revoke"
	// PathOAuthMetadata is the oauth2 profile's authorization server metadata
	// (RFC 8414), for clients that discover the token endpoint.
	PathOAuthMetadata = "/.well-known/oauth-authorization-server"
	// ControlPrefix is where the control API lives, on the API listener (ExposeControl)
	// or on a listener of its own (serve's --control-addr).
	ControlPrefix = "/_tokenclock/"
	// PagePrefix is where a browser client's page is served from the API's own origin
	// (Options.Page), for scenarios that run the page on the same origin as the API.
	PagePrefix = ControlPrefix + "app/"
)
