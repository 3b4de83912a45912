package scenarios

import (
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// GetMe is the catalog's "GET": GET /api/auth/me.
func GetMe() cut.Call { return cut.Call{Method: "GET", Path: fakeserver.PathMe} }

// PostIdea is the catalog's "POST": POST /api/ideas with a fresh body named by tag.
func PostIdea(tag string) cut.Call {
	return cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: conformance.JSONBody(ideaBody("idea " + tag))}
}

func ideaBody(title string) map[string]any {
	return map[string]any{"title": title, "summary": "summary of " + title,
		"description": "description of " + title, "tags": []string{"tokenclock", "x"}}
}

// GetMes is n GETs.
func GetMes(n int) []cut.Call {
	calls := make([]cut.Call, n)
	for i := range calls {
		calls[i] = GetMe()
	}
	return calls
}

// ideasTitled counts the server's ideas with that title.
func ideasTitled(srv *fakeserver.Server, title string) int {
	n := 0
	for _, i := range srv.Ideas() {
		if i.Title == title {
			n++
		}
	}
	return n
}

// loginLabel is the access label the last successful login in j minted.
func loginLabel(j fakeserver.Journal) string {
	label := ""
	for _, e := range j.To("POST", fakeserver.PathLogin) {
		if e.Status == 200 && e.IssuedAccess != "" {
			label = e.IssuedAccess
		}
	}
	return label
}

func titleOf(call cut.Call) string {
	return fmt.Sprint(conformance.JSONField(call.Body, "title"))
}
