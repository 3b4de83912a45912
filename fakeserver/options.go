package fakeserver

import (
	"time"

	"github.com/jonboulle/clockwork"
)

// Options configure a Server. They are read once by New; zero values take the
// defaults of the spec (fake-server-api.md).
type Options struct {
	// Clock is the server's notion of "now" for every token decision. The harness
	// passes a clockwork fake clock started on a whole second (ScenarioClockStart),
	// which Advance and the Expire helpers then move themselves: one clock. serve
	// passes the real clock, which cannot be moved: there they add to an offset on
	// top of it. Default: the real clock.
	Clock clockwork.Clock
	// AccessTTL is the access token lifetime. Default 1 minute.
	AccessTTL time.Duration
	// RefreshTTL is the refresh token lifetime. Default 7 days.
	RefreshTTL time.Duration
	// NoRotation turns refresh-token rotation off (the seed tutorial's backend):
	// a refresh answers a new access token and the same refresh token stays valid.
	NoRotation bool
	// ReuseGrace lets the immediately previous refresh token of a family be presented
	// again within this long after it was rotated, without counting as reuse. Default 0.
	ReuseGrace time.Duration
	// HoldBound is the real time after which a held request releases by itself, so
	// nothing can deadlock a run. Default 2 s.
	HoldBound time.Duration
	// CORSOrigin, when set, is the one exact origin allowed to call the API with
	// credentials (for a SPA dev server).
	CORSOrigin string
	// JournalLimit bounds the journal: beyond it the oldest entries are dropped and
	// counted. Default 100 000 entries.
	JournalLimit int
	// OnRequest, when set, is called once per finished request with its journal entry
	// (serve logs one line per request with it). It must not block.
	OnRequest func(Entry)
	// ExposeControl serves the control API (ControlHandler) under /_tokenclock/ on the
	// same listener as the API. Control requests are not journalled.
	ExposeControl bool
	// SigningKey signs access tokens (HS256). Default: 32 random bytes per server.
	SigningKey []byte
}

// Defaults used when an Options field is zero.
const (
	DefaultAccessTTL    = time.Minute
	DefaultRefreshTTL   = 7 * 24 * time.Hour
	DefaultHoldBound    = 2 * time.Second
	DefaultJournalLimit = 100_000
	// MaxBodyBytes is the largest request body the server reads; larger is 413.
	MaxBodyBytes = 1 << 20
)
