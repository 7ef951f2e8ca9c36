// Package im is the leaf vocabulary of Parley: identifiers, entities, message
// elements and their limits, and the error type that carries a reference error
// code. It does no I/O and imports nothing of Parley's.
package im

import (
	"errors"
	"fmt"
)

// Error is a failure the client caused or must be told about, carrying what
// kind of failure it is, the reference API's numeric error code of the
// service that returned it (the default code) and a readable message.
// Domain services return it (possibly wrapped); the edges translate it to
// their wire format, answering the default code unless the command's
// service has its own code for the kind (an edge's one table says which).
type Error struct {
	Kind Kind   // what went wrong; Errorf sets the code's own (KindOf)
	Code int    // default reference error code, e.g. 70107
	Info string // readable, safe to show to the caller
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Code, e.Info) }

// Errorf builds an *Error of code's kind (KindOf) with a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Kind: KindOf(code), Code: code, Info: fmt.Sprintf(format, args...)}
}

// CodeOf returns the reference code carried by err, or 0 and false when err
// does not wrap an *Error.
func CodeOf(err error) (int, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}
