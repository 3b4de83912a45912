// Command serialdriver is a deliberately wrong protocol-v1 driver: it answers the
// harness's commands strictly one at a time (the most common first mistake in a
// driver), in front of a built-in client named by its argument (go:reference,
// go:mutant:NAME). The self-checks use it to prove the parallel gate reports such a
// driver inconclusive instead of passing it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

type command struct {
	ID       int             `json:"id"`
	Cmd      string          `json:"cmd"`
	BaseURL  string          `json:"baseURL"`
	Scenario string          `json:"scenario"`
	Now      string          `json:"now"`
	Email    string          `json:"email"`
	Password string          `json:"password"`
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Body     json.RawMessage `json:"body"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: serialdriver go:reference|go:mutant:NAME")
		os.Exit(2)
	}
	client, err := cut.NewBuiltIn(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 4<<20)
	ctx := context.Background()
	for in.Scan() {
		var c command
		if json.Unmarshal(in.Bytes(), &c) != nil {
			continue
		}
		r := map[string]any{"id": c.ID}
		switch c.Cmd {
		case "hello":
			r["name"], r["version"], r["features"] = "serial "+os.Args[1], "1", []string{}
		case "init":
			now, _ := time.Parse(time.RFC3339, c.Now)
			r["ok"] = client.Init(ctx, cut.Env{BaseURL: c.BaseURL, Scenario: c.Scenario, Now: now}) == nil
		case "login", "logout", "request":
			var reply cut.Reply
			switch c.Cmd { // the mistake: the next command waits for this one
			case "login":
				reply, err = client.Login(ctx, c.Email, c.Password)
			case "logout":
				reply, err = client.Logout(ctx)
			default:
				reply, err = client.Request(ctx, cut.Call{Method: c.Method, Path: c.Path, Body: c.Body})
			}
			switch {
			case err != nil:
				r["error"] = err.Error()
			case reply.Error != "":
				r["error"] = reply.Error
			default:
				r["status"], r["body"] = reply.Status, reply.Body
			}
		case "shutdown":
			r["ok"] = true
			_ = out.Encode(r)
			return
		default:
			r["error"] = "unsupported: " + c.Cmd
		}
		_ = out.Encode(r)
	}
}
