package restapi

import (
	"context"

	"github.com/parley-im/parley/internal/im"
)

// Call is one authenticated REST call as a command handler sees it: the
// envelope has been checked and the identifier is an admin of the app.
type Call struct {
	SDKAppID   uint64
	Identifier string // the admin identifier from the URL
	RequestID  string
}

// handlerFunc runs one command. body is the raw request body, already known
// to be a JSON object. The returned value (a struct or nil) is encoded after
// the envelope fields; an error that wraps *im.Error turns the envelope into
// FAIL with its code, any other error into a generic internal error.
type handlerFunc func(ctx context.Context, call Call, body []byte) (any, error)

// decodeBody decodes a command's JSON body into v; see im.DecodeJSON for
// the codes.
func decodeBody(body []byte, v any, code int) error { return im.DecodeJSON(body, v, code) }

// either returns the first non-empty of the field's spellings; the reference
// renamed several fields between versions and old clients still send the
// old names.
func either(newName, oldName string) string {
	if newName != "" {
		return newName
	}
	return oldName
}
