// Package protocol is the vocabulary of Parley's WebSocket client protocol
// in Go: the names of its commands and events, the status codes and
// reasons of the close frames that end a session, and the structs of the
// data that commands, answers and events carry. docs/protocol.md is the
// human contract; a test keeps the two in step.
//
// The server (internal/gateway and the services whose events it
// delivers), the Go SDK (pkg/client) and the load generator
// (internal/bench) all spell the protocol through this package, so that a
// name or a field is written once. It imports only the standard library
// and holds no behaviour beyond the reason-to-status table of CloseCode.
//
// Requests are the structs a client sends; the server may read a command's
// data more leniently (to answer a malformed field with the right error
// code) but reads the same field names. Answers and events are what the
// server sends, byte for byte: field order is the encoding's order.
package protocol

import "encoding/json"

// Version is the protocol version of this package. A client announces the
// highest version it speaks in login; the answer carries the version both
// sides use, the lower of the two.
const Version = 1

// Request is a client frame: {"id":1,"cmd":"ping","data":{...}}. ID is a
// positive integer the response carries back; Data may be omitted when the
// command takes none.
type Request struct {
	ID   uint64 `json:"id"`
	Cmd  string `json:"cmd"`
	Data any    `json:"data,omitempty"`
}

// ServerFrame is any frame the server sends, read by a client: a response
// {"id","code","info","data"} (ID 0 answers a frame the server could not tie
// to a request), or an event {"event","data"} (Event set, ID 0).
type ServerFrame struct {
	ID    uint64          `json:"id"`
	Code  int             `json:"code"`
	Info  string          `json:"info"`
	Data  json.RawMessage `json:"data"`
	Event string          `json:"event"`
}

// Platforms a client may announce in login.
const (
	PlatformIOS     = "iOS"
	PlatformAndroid = "Android"
	PlatformWeb     = "Web"
	PlatformWindows = "Windows"
	PlatformMac     = "Mac"
	PlatformIPad    = "iPad"
	PlatformLinux   = "Linux"
)

// Platforms returns every platform a client may announce, in the order the
// documentation lists them. The slice is the caller's.
func Platforms() []string {
	return []string{PlatformIOS, PlatformAndroid, PlatformWeb, PlatformWindows, PlatformMac, PlatformIPad, PlatformLinux}
}
