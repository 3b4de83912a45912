package fakeserver

// ActionCORSNoCredentials handles the request as usual but answers it without
// Access-Control-Allow-Credentials: the misconfigured API a browser client meets
// when one route's CORS setup forgot credentials. The server acts (a refresh rotates
// the family) while the browser refuses to hand the answer to the page, which sees
// a network error. Only a request from the allowed origin (Options.CORSOrigin) is
// affected: without CORS there is nothing to get wrong.
const ActionCORSNoCredentials Action = "cors-no-credentials"

var corsNoCredentialsKind = faultKind{
	action:  ActionCORSNoCredentials,
	journal: string(ActionCORSNoCredentials),
	control: func(controlFields, *Rule) error { return nil },
}

// dropsCORSCredentials reports whether an acting rule strips the credentials
// header from this request's answer, and journals that it acted.
func dropsCORSCredentials(acting []*Fault, rq *request) bool {
	for _, f := range acting {
		if f.kind == &corsNoCredentialsKind {
			rq.acted(f.kind.journal)
			return true
		}
	}
	return false
}
