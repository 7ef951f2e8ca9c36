package restapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/parley-im/parley/internal/im"
)

// envelope is the reference's response status, present on every answer.
type envelope struct {
	ActionStatus string `json:"ActionStatus"`
	ErrorCode    int    `json:"ErrorCode"`
	ErrorInfo    string `json:"ErrorInfo"`
	ErrorDisplay string `json:"ErrorDisplay"`
}

// writeEnvelope writes the envelope followed by resp's fields in one JSON
// object. resp may be nil, and is included on failure too, since batch
// commands report per-item results alongside a failing status.
func writeEnvelope(w http.ResponseWriter, code int, info string, resp any) {
	env := envelope{ActionStatus: "OK", ErrorCode: code, ErrorInfo: info}
	if code != 0 {
		env.ActionStatus = "FAIL"
	}
	out, _ := json.Marshal(env) // a struct of strings and ints cannot fail
	if resp != nil {
		fields, err := json.Marshal(resp)
		if err == nil && len(fields) > 2 && fields[0] == '{' {
			out = append(out[:len(out)-1], ',')
			out = append(out, fields[1:]...)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(out, '\n'))
}

// checkJSONObject makes sure body is one JSON object. The reference wants
// "{}" for commands without parameters; an empty body is taken as that.
func checkJSONObject(body []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return []byte("{}"), nil
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, im.Errorf(im.CodeJSONParse, "request body is not a valid JSON object")
	}
	return trimmed, nil
}
