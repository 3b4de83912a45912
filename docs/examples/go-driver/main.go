// Command go-driver is a minimal tokenclock driver (protocol v1) in Go, the example of
// docs/writing-a-driver.md. main.go is the whole protocol side: read commands, start
// each at once, answer each exactly once on stdout. client.go is the client it wraps;
// put your own client there. Build it and hand the harness its command line:
//
//	go build -o /tmp/go-driver ./docs/examples/go-driver
//	go run ./cmd/tokenclock run --client 'go-example=/tmp/go-driver'
//
// `go vet ./...` (make test) compiles it, and scenarios/examples_test.go plays the whole
// catalog against it, so neither the code nor the results the doc states can drift.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"syscall"
)

// Cmd is one harness command: the fields this driver reads. encoding/json drops every
// other field (init's scenario and now, anything added later), as the protocol requires.
type Cmd struct {
	ID       int               `json:"id"`
	Cmd      string            `json:"cmd"`
	BaseURL  string            `json:"baseURL"`
	Email    string            `json:"email"`
	Password string            `json:"password"`
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Body     json.RawMessage   `json:"body"`
	Headers  map[string]string `json:"headers"`
}

func main() {
	log.SetOutput(os.Stderr) // stdout carries protocol lines only
	var mu sync.Mutex        // replies come from many goroutines: one line at a time
	out := json.NewEncoder(os.Stdout)
	reply := func(id int, fields map[string]any) {
		fields["id"] = id
		mu.Lock()
		defer mu.Unlock()
		_ = out.Encode(fields) // Encode ends each value with "\n"
	}
	var client *Client
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 4<<20) // the protocol's line bound
	for in.Scan() {       // stops at stdin EOF: the harness is done with us
		var cmd Cmd
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			log.Printf("ignoring a line that is not a command: %v", err)
			continue
		}
		switch cmd.Cmd {
		case "hello":
			reply(cmd.ID, map[string]any{"name": "go-example", "version": "net/http", "features": []string{}})
		case "init":
			client = NewClient(cmd.BaseURL) // all state gone: new token, new cookie jar
			reply(cmd.ID, map[string]any{"ok": true})
		case "login", "logout", "request":
			go func(c *Client) { reply(cmd.ID, run(c, cmd)) }(client) // start now, answer when done
		case "shutdown":
			reply(cmd.ID, map[string]any{"ok": true})
			return
		default:
			reply(cmd.ID, map[string]any{"error": "unsupported: " + cmd.Cmd})
		}
	}
}

// run performs one command on c and shapes what the caller saw into reply fields.
func run(c *Client, cmd Cmd) map[string]any {
	if c == nil {
		return map[string]any{"error": "not initialised: send init first"}
	}
	var res Response
	var err error
	switch cmd.Cmd {
	case "login":
		res, err = c.Login(cmd.Email, cmd.Password)
	case "logout":
		res, err = c.Logout()
	default:
		res, err = c.Do(cmd.Method, cmd.Path, cmd.Body, cmd.Headers)
	}
	if err != nil { // no HTTP response at all
		return map[string]any{"error": errorText(err)}
	}
	return map[string]any{"status": res.Status, "body": res.Body}
}

// errorText puts the cause's code first, as the protocol asks: "ECONNRESET Post ...".
func errorText(err error) string {
	var ne net.Error
	code := "EIO"
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		code = "ECONNREFUSED"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		code = "ECONNRESET"
	case errors.As(err, &ne) && ne.Timeout():
		code = "ETIMEDOUT"
	}
	return code + " " + err.Error()
}
