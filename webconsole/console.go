// Package webconsole is tokenclock serve's web console (/_tokenclock/ui): a page
// that draws the server's journal live as report.html's sequence diagram, shows the
// server's state, and offers a button for every control action. The page is plain
// HTML, CSS and JavaScript embedded in the binary; it reads the journal stream and
// calls the control API like any script, and asks this package only for what the
// Go side draws: diagram rows (reports.WriteDiagramRows, the one renderer) and the
// session as a report.html.
package webconsole

import (
	"bytes"
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

// Path is where the console lives, under the control API's prefix.
const Path = fakeserver.ControlPrefix + "ui/"

// Name is the control path (after fakeserver.ControlPrefix) the console is mounted
// on: fakeserver routes it and everything below it here, behind the control API's
// guard.
const Name = "ui"

const (
	// maxWindow bounds the rows one /rows request draws: a page shows a screenful
	// and a margin, never the whole journal.
	maxWindow = 2000
	// replayLookback is how many entries before a window feed the replay rule: a
	// resend is matched with the 401 it follows, which is never far behind it.
	replayLookback = 1000
)

//go:embed static
var static embed.FS

// Handler serves the console for srv. Mount it with srv.MountControl(Name, …) so
// the control API's protection applies (loopback Host, no foreign Origin).
func Handler(srv *fakeserver.Server, version string) http.Handler {
	files, _ := fs.Sub(static, "static") // a constant path inside the embed
	c := &console{srv: srv, version: version}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path+"{$}", serveFile(files, "index.html"))
	mux.HandleFunc("GET "+Path+"console.js", serveFile(files, "console.js"))
	mux.HandleFunc("GET "+Path+"console-stream.js", serveFile(files, "console-stream.js"))
	mux.HandleFunc("GET "+Path+"console.css", serveFile(files, "console.css"))
	mux.HandleFunc("GET "+Path+"diagram.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(reports.DiagramCSS))
	})
	mux.HandleFunc("GET "+Path+"layout", c.layout)
	mux.HandleFunc("GET "+Path+"rows", c.rows)
	mux.HandleFunc("GET "+Path+"report.html", c.report)
	mux.HandleFunc("GET "+strings.TrimSuffix(Path, "/"), func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Path, http.StatusFound)
	})
	return secured(mux)
}

// console is the state the Go side of the page needs: only the server.
type console struct {
	srv     *fakeserver.Server
	version string
}

// secured sets the headers every console answer carries: no framing (a page
// elsewhere must not overlay its buttons), scripts and styles from this server
// only, nothing cached (the answers are live state).
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// serveFile answers one embedded file.
func serveFile(files fs.FS, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			http.Error(w, "missing embedded file "+name, http.StatusInternalServerError)
			return
		}
		switch {
		case strings.HasSuffix(name, ".html"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case strings.HasSuffix(name, ".js"):
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		case strings.HasSuffix(name, ".css"):
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
		}
		_, _ = w.Write(b)
	}
}

// layout answers the diagram's geometry, which the page needs to draw lanes and
// place rows.
func (c *console) layout(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, reports.Layout())
}

// rowsAnswer is GET rows: the SVG of the rows from..to, the row of seq From at y 0.
type rowsAnswer struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	SVG  string `json:"svg"`
}

// rows draws the journal entries with from <= seq <= to as diagram rows.
func (c *console) rows(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, err1 := strconv.Atoi(q.Get("from"))
	to, err2 := strconv.Atoi(q.Get("to"))
	if err1 != nil || err2 != nil || from < 1 || to < from || to-from >= maxWindow {
		writeJSON(w, http.StatusBadRequest, message{"from and to must be seqs with 1 <= from <= to and at most " +
			strconv.Itoa(maxWindow) + " rows: GET " + Path + "rows?from=1&to=50"})
		return
	}
	j := c.srv.JournalRange(from-replayLookback, to)
	var b bytes.Buffer
	if err := reports.WriteDiagramRows(&b, j, from, c.srv.Origin()); err != nil {
		writeJSON(w, http.StatusInternalServerError, message{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, rowsAnswer{From: from, To: to, SVG: b.String()})
}

// message is an error answer, as the control API's.
type message struct {
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
