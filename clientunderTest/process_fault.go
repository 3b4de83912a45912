package clientundertest

// faultError is a driver fault: its message names exactly what happened, and it
// unwraps to ErrTimeout or ErrCrashed so callers can classify it with errors.Is
// without the sentinel's text repeated in the message.
type faultError struct {
	msg  string
	kind error
}

func (e *faultError) Error() string { return e.msg }

func (e *faultError) Unwrap() error { return e.kind }

// crashed is a fault that ends the driver process's usefulness: it is restarted.
func crashed(msg string) *faultError { return &faultError{msg: msg, kind: ErrCrashed} }

// timedOut is a command that got no reply before its context ended.
func timedOut(msg string) *faultError { return &faultError{msg: msg, kind: ErrTimeout} }
