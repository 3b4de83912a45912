package fakeserver

import "errors"

// Errors of the Go API, wrapped with context; test with errors.Is.
var (
	// ErrInvalidInput: a required field is missing or malformed.
	ErrInvalidInput = errors.New("invalid input")
	// ErrEmailTaken: a user with that email (case-insensitive) exists.
	ErrEmailTaken = errors.New("email already registered")
	// ErrUnknownUser: no user has that email.
	ErrUnknownUser = errors.New("unknown user")
)
