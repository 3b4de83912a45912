package fakeserver

import (
	"net"
	"net/http"
)

// ActionReset hijacks and closes the connection (RST): nothing handled, nothing written.
const ActionReset Action = "reset"

var resetKind = faultKind{
	action:  ActionReset,
	answers: func(*Fault, *request) answer { return answerReset },
	control: func(controlFields, *Rule) error { return nil },
}

// resetConn closes the connection without a response: hijack, SO_LINGER 0 so the
// peer sees a reset (RST) rather than a clean close. Nothing was handled and
// nothing is written (journal status 0, fault "reset"). Where hijacking is not
// possible (HTTP/2, a recorder) it aborts the handler the way net/http provides.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
