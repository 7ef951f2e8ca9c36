package im

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxUserIDBytes is the longest UserID the reference accepts.
const MaxUserIDBytes = 32

// ErrBadUserID is wrapped by CheckUserID's errors. Callers map it to the
// reference code of their own service (70402 for accounts, 40001 for
// profiles, ...).
var ErrBadUserID = errors.New("invalid UserID")

// CheckUserID reports whether id is acceptable as a UserID: non-empty, valid
// UTF-8, at most 32 bytes and free of control characters.
func CheckUserID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrBadUserID)
	case len(id) > MaxUserIDBytes:
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrBadUserID, len(id), MaxUserIDBytes)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: not valid UTF-8", ErrBadUserID)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: contains control character %U", ErrBadUserID, r)
		}
	}
	return nil
}
