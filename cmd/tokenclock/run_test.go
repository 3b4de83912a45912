package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("the command line", func() {
	runArgs := func(args ...string) (int, string, string) {
		GinkgoHelper()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	It("prints help on stdout for help, -h and --help", func() {
		for _, arg := range []string{"help", "-h", "--help"} {
			code, out, errOut := runArgs(arg)
			Expect(code).To(Equal(exitOK), arg)
			Expect(out).To(ContainSubstring("tokenclock serve [flags]"), arg)
			Expect(errOut).To(BeEmpty(), arg)
		}
	})

	It("exits 2 with usage for no command or an unknown one", func() {
		code, out, errOut := runArgs()
		Expect(code).To(Equal(exitUsage))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(ContainSubstring("Usage:"))

		code, _, errOut = runArgs("serv")
		Expect(code).To(Equal(exitUsage))
		Expect(errOut).To(ContainSubstring(`unknown command "serv"`))
	})

	It("prints a version", func() {
		code, out, _ := runArgs("version")
		Expect(code).To(Equal(exitOK))
		Expect(out).To(MatchRegexp(`^tokenclock \S+.* go1\.\d+`))
	})

	It("answers serve -h with the flag list and exit 0, starting nothing", func() {
		code, _, errOut := runArgs("serve", "-h")
		Expect(code).To(Equal(exitOK))
		Expect(errOut).To(ContainSubstring("-seed-user name:email:password"))
		Expect(errOut).To(ContainSubstring(`(default "127.0.0.1:8088")`))
	})

	DescribeTable("exits 2 with usage for bad serve flags, starting nothing",
		func(text string, args ...string) {
			code, out, errOut := runArgs(append([]string{"serve"}, args...)...)
			Expect(code).To(Equal(exitUsage))
			Expect(out).To(BeEmpty(), "no banner: nothing started")
			Expect(errOut).To(ContainSubstring(text))
			Expect(errOut).To(ContainSubstring("Usage: tokenclock serve"))
		},
		Entry("unknown flag", "flag provided but not defined", "--port", "1"),
		Entry("bad duration", "invalid value", "--access-ttl", "soon"),
		Entry("zero access TTL", "--access-ttl must be more than 0", "--access-ttl", "0s"),
		Entry("negative refresh TTL", "--refresh-ttl must be more than 0", "--refresh-ttl", "-1h"),
		Entry("huge TTL", "at most", "--refresh-ttl", "1000000h"),
		Entry("negative grace", "--reuse-grace must be 0 or more", "--reuse-grace", "-1s"),
		Entry("bad bool", "invalid boolean", "--rotation=maybe"),
		Entry("seed user without password", "want name:email:password", "--seed-user", "Ada:ada@example.test"),
		Entry("seed user with empty name", "want name:email:password", "--seed-user", ":ada@example.test:pw"),
		Entry("seed user without @", "is not an email address", "--seed-user", "Ada:ada:pw"),
		Entry("seed user twice", "seeded twice", "--seed-user", "Ada:ada@example.test:a", "--seed-user", "A:ADA@example.test:b"),
		Entry("cors origin with a path", "is not an origin", "--cors-origin", "http://localhost:5173/app"),
		Entry("cors origin with a slash", "no trailing slash", "--cors-origin", "http://localhost:5173/"),
		Entry("cors origin not http", "is not an origin", "--cors-origin", "localhost:5173"),
		Entry("empty addr", "--addr must not be empty", "--addr", ""),
		Entry("control addr same as addr", "must differ", "--addr", "127.0.0.1:9", "--control-addr", "127.0.0.1:9"),
		Entry("a positional argument", `unexpected argument "now"`, "now"),
	)
})

var _ = Describe("serve flags", func() {
	It("defaults to the spec's values", func() {
		c, err := parseServeFlags(nil, io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(c).To(Equal(serveConfig{
			Addr: "127.0.0.1:8088", AccessTTL: time.Minute, RefreshTTL: 168 * time.Hour, Rotation: true,
			GraphQLAuth: "status", Profile: "cookie", ClientID: "tokenclock-app", ClientSecret: "tokenclock-dev-secret",
		}))
		o := c.options(nil)
		Expect(o.ExposeControl).To(BeTrue(), "no --control-addr: control on the API listener")
		Expect(o.NoRotation).To(BeFalse())
		Expect(o.Clock).NotTo(BeNil())
		Expect(o.Clock.Now()).To(BeTemporally("~", time.Now(), time.Minute), "serve runs on real time")
	})

	It("reads --graphql-auth, and refuses a mode it does not know", func() {
		c, err := parseServeFlags([]string{"--graphql-auth", "errors"}, io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.options(nil).GraphQLAuthSignal).To(Equal(fakeserver.GraphQLAuthErrors))
		var stderr strings.Builder
		_, err = parseServeFlags([]string{"--graphql-auth", "loud"}, &stderr)
		Expect(err).To(HaveOccurred())
		Expect(stderr.String()).To(ContainSubstring(`--graphql-auth must be status or errors, not "loud"`))
	})

	It("reads every flag into the server options", func() {
		c, err := parseServeFlags([]string{
			"--addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0",
			"--access-ttl", "30s", "--refresh-ttl", "1h", "--rotation=false", "--reuse-grace", "2s",
			"--cors-origin", "http://localhost:5173",
			"--seed-user", "Ada:ada@example.test:correct horse",
			"--seed-user", "Bob:bob@example.test:pass:with:colons",
		}, io.Discard)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.SeedUsers).To(Equal([]seedUser{
			{"Ada", "ada@example.test", "correct horse"},
			{"Bob", "bob@example.test", "pass:with:colons"},
		}))
		called := false
		o := c.options(func(e fakeserver.Entry) { called = true })
		Expect(o.AccessTTL).To(Equal(30 * time.Second))
		Expect(o.RefreshTTL).To(Equal(time.Hour))
		Expect(o.NoRotation).To(BeTrue())
		Expect(o.ReuseGrace).To(Equal(2 * time.Second))
		Expect(o.CORSOrigin).To(Equal("http://localhost:5173"))
		Expect(o.ExposeControl).To(BeFalse(), "--control-addr: control on its own listener")
		o.OnRequest(fakeserver.Entry{})
		Expect(called).To(BeTrue())
	})

	It("answers -h with flag.ErrHelp", func() {
		_, err := parseServeFlags([]string{"-h"}, io.Discard)
		Expect(errors.Is(err, flag.ErrHelp)).To(BeTrue())
	})
})
