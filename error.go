package starling

import (
	"errors"
	"fmt"
)

// Error codes are the few kinds of failure the whole program distinguishes.
// Exactly one place (the HTTP layer's error writer) maps them to status codes.
const (
	EBADREQUEST   = "bad_request"  // 400: a parameter is missing or malformed
	EUNAUTHORIZED = "unauthorized" // 401: no credentials, or bad ones
	EFORBIDDEN    = "forbidden"    // 403: credentials fine, action not allowed
	ENOTFOUND     = "not_found"    // 404: missing, or not visible to the caller
	ECONFLICT     = "conflict"     // 409: the state does not allow it right now
	ETOOLARGE     = "too_large"    // 413: the request body is too big
	EINVALID      = "invalid"      // 422: validation failed; see Details
	ERATELIMITED  = "rate_limited" // 429
	EINTERNAL     = "internal"     // 500: a bug or an outage; message is not shown
	EUNAVAILABLE  = "unavailable"  // 503: shutting down or a dependency is down
)

// Validation detail codes, as Mastodon clients know them.
const (
	ErrBlank     = "ERR_BLANK"
	ErrInvalid   = "ERR_INVALID"
	ErrTaken     = "ERR_TAKEN"
	ErrReserved  = "ERR_RESERVED"
	ErrAccepted  = "ERR_ACCEPTED"
	ErrTooLong   = "ERR_TOO_LONG"
	ErrTooShort  = "ERR_TOO_SHORT"
	ErrInclusion = "ERR_INCLUSION"
	ErrBlocked   = "ERR_BLOCKED"
)

// Error is the domain error. Message is safe to show to the caller for
// every code except EINTERNAL.
type Error struct {
	Code    string
	Message string
	// Details names, per input field, why validation failed (EINVALID only).
	Details map[string][]FieldError
	// Err is the underlying cause, logged but never shown.
	Err error
}

// FieldError is one reason a field failed validation.
type FieldError struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure (a database error, say) so that the
// cause is logged but the caller only learns that something went wrong.
func Internal(err error, op string) *Error {
	return &Error{Code: EINTERNAL, Message: op, Err: err}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not an
// *Error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal server error"
}

// ValidationError collects field errors; its Err method returns nil when no
// field failed, so a validator can add freely and return v.Err().
type ValidationError struct {
	details map[string][]FieldError
	first   string
}

// Add records that field failed with code (one of the Err* constants).
func (v *ValidationError) Add(field, code, description string) {
	if v.details == nil {
		v.details = map[string][]FieldError{}
	}
	if v.first == "" {
		v.first = field + " " + description
	}
	v.details[field] = append(v.details[field], FieldError{Error: code, Description: description})
}

// Err returns the collected failures as an EINVALID *Error, or nil.
func (v *ValidationError) Err() error {
	if len(v.details) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Validation failed: " + v.first, Details: v.details}
}

// Taken returns the EINVALID error a store gives when a unique field such as
// a username or an e-mail address is already in use.
func Taken(field string) error {
	var v ValidationError
	v.Add(field, ErrTaken, "is already taken")
	return v.Err()
}
