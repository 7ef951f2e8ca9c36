package im

import (
	"bytes"
	"encoding/json"
	"errors"
)

// DecodeJSON decodes a request's JSON object into v for the REST and
// WebSocket edges alike. Empty input leaves v zero. An *Error from a
// field's own decoder passes through with its precise code; a value of the
// wrong JSON type becomes an *Error with code naming the field; anything
// else malformed becomes an *Error with code.
func DecodeJSON(raw []byte, v any, code int) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var imErr *Error
	if errors.As(err, &imErr) {
		return imErr
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return Errorf(code, "field %s: expected %s, got JSON %s", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	return Errorf(code, "request body must be a JSON object: %v", err)
}
