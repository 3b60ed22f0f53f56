// Package apperr defines the kinds of error a user may be shown. Anything
// that is not an *Error is internal: it is logged and answered with a safe
// message.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the person who caused it.
type Kind int

// The kinds, each with a fixed HTTP meaning in the web layer.
const (
	Internal     Kind = iota // 500: a fault of ours
	Malformed                // 400: the request could not be read
	Unauthorized             // 401: not signed in
	Forbidden                // 403: signed in but not allowed
	NotFound                 // 404: missing or not visible to the caller
	Conflict                 // 409: the state does not allow it
	TooLarge                 // 413: a body or file over the limit
	Unsupported              // 415: a content type we do not take
	Invalid                  // 422: well-formed but invalid; see Fields
	RateLimited              // 429: too many attempts; see RetryAfter
	Unavailable              // 503: switched off or not ready
)

// Error is an error whose code and message are safe to show.
type Error struct {
	Kind    Kind
	Code    string            // snake_case, stable, for programs
	Message string            // for people
	Fields  map[string]string // field -> problem, for Invalid
	// RetryAfter tells a rate-limited client when to try again.
	RetryAfter time.Duration
	// Err is an underlying cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// KindOf returns the kind of err; Internal for anything that is not an *Error.
func KindOf(err error) Kind {
	if e := As(err); e != nil {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// E builds an *Error.
func E(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// NotFoundf is the usual "no such thing" error; what is named by what.
func NotFoundf(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Message: what + " not found"}
}

// Validation collects field problems and turns into an Invalid error.
type Validation map[string]string

// Add records a problem with field unless one is already recorded.
func (v Validation) Add(field, problem string) {
	if _, ok := v[field]; !ok {
		v[field] = problem
	}
}

// Err returns nil when nothing was recorded, otherwise an Invalid *Error.
func (v Validation) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Code: "validation_failed", Message: "some fields are invalid", Fields: map[string]string(v)}
}

// InvalidField is a one-field validation error.
func InvalidField(field, problem string) error {
	return Validation{field: problem}.Err()
}
