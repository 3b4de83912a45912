package conformance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// bloater is a client that answers each request by sending the server n requests
// with a huge path and a 1 MiB body, and replies with a 1 MiB body itself.
type bloater struct {
	cut.Client
	base string
	n    int
}

func (b *bloater) Init(ctx context.Context, env cut.Env) error {
	b.base = env.BaseURL
	return b.Client.Init(ctx, env)
}

func (b *bloater) Request(ctx context.Context, _ cut.Call) (cut.Reply, error) {
	body := strings.Repeat("b", 1<<20)
	for i := range b.n {
		path := fakeserver.PathIdeas + "/" + strings.Repeat("p", 900<<10) + fmt.Sprint(i)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+path, strings.NewReader(body))
		if err != nil {
			return cut.Reply{}, err
		}
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
		}
	}
	return cut.Reply{Status: 200, Body: json.RawMessage(`"` + strings.Repeat("r", 1<<20) + `"`)}, nil
}

var _ = Describe("a result's size", func() {
	It("stays bounded when a client sends huge paths and bodies and answers with megabytes", func(ctx SpecContext) {
		sc := conformance.Scenario{ID: "BLOAT-01", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5},
			Play: func(s *conformance.Session) { s.Send(cut.Call{Method: "GET", Path: fakeserver.PathMe}) }}
		// A generous deadline: under -race on a busy machine 40 MB of uploads take time.
		slow := limits
		slow.Deadline = time.Minute
		res := conformance.Execute(ctx, sc, &bloater{Client: cut.NewReference(), n: 8}, slow)
		Expect(res.Outcome).To(Equal(conformance.Passed), res.Message)
		Expect(res.Journal).To(HaveLen(9)) // the login and the 8 sends
		b, err := json.Marshal(res)
		Expect(err).NotTo(HaveOccurred())
		Expect(len(b)).To(BeNumerically("<", 256<<10), "8 requests of 900 KB paths and 1 MiB bodies, a 1 MiB reply")
		for _, e := range res.Journal {
			Expect(len(e.Path)).To(BeNumerically("<=", 2<<10+64))
			Expect(len(e.Body)).To(BeNumerically("<=", 16<<10))
		}
	})
})
