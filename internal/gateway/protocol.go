package gateway

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/pkg/protocol"
)

// Reasons a session ends without a close frame: the peer left or cannot
// be written to. They are not protocol.Reason* values, only labels of the
// closes metric.
const (
	reasonClientClosed = "client_closed"
	reasonConnLost     = "connection_lost"
	reasonWriteFailed  = "write_failed"
)

// request is a decoded client frame {"id":1,"cmd":"name","data":{...}}.
type request struct {
	ID   uint64
	Cmd  string
	Data json.RawMessage // nil when absent or null
}

// decodeRequest decodes a client text frame. On failure it returns the
// error to answer with and, when it could be read, the request's id.
func decodeRequest(p []byte) (request, *im.Error) {
	if !utf8.Valid(p) {
		return request{}, im.Errorf(im.CodeJSONParse, "frame is not valid UTF-8")
	}
	var env struct {
		ID   json.RawMessage `json:"id"`
		Cmd  json.RawMessage `json:"cmd"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(p, &env); err != nil {
		return request{}, im.Errorf(im.CodeJSONParse, "frame is not a JSON object: %v", err)
	}
	id, err := strconv.ParseUint(string(env.ID), 10, 64)
	if err != nil || id == 0 {
		return request{}, im.Errorf(im.CodeMalformedRequest, "id must be a positive integer")
	}
	req := request{ID: id}
	if json.Unmarshal(env.Cmd, &req.Cmd) != nil || req.Cmd == "" {
		return req, im.Errorf(im.CodeMalformedRequest, "cmd must be a non-empty string")
	}
	if len(env.Data) > 0 && !bytes.Equal(env.Data, []byte("null")) {
		req.Data = env.Data
	}
	return req, nil
}

// maxHeader is the largest header of an unmasked server frame.
const maxHeader = 10

// newFrame returns a buffer for building one server text frame: room for
// the header, then the payload appended by the caller; finishFrame fills
// in the header.
func newFrame(payloadHint int) []byte {
	return make([]byte, maxHeader, maxHeader+payloadHint)
}

// finishFrame writes the header of a frame built on newFrame's buffer and
// returns the complete frame.
func finishFrame(b []byte, op ws.OpCode) []byte {
	n := len(b) - maxHeader
	var h []byte
	switch {
	case n < 126:
		h = b[maxHeader-2 : maxHeader]
		h[1] = byte(n)
	case n <= 0xFFFF:
		h = b[maxHeader-4 : maxHeader]
		h[1] = 126
		binary.BigEndian.PutUint16(h[2:], uint16(n))
	default:
		h = b[:maxHeader]
		h[1] = 127
		binary.BigEndian.PutUint64(h[2:], uint64(n))
	}
	h[0] = 0x80 | byte(op) // FIN, no RSV bits
	return b[maxHeader-len(h):]
}

// EncodeEvent returns the event {"event":name,"data":data} as a complete,
// unmasked WebSocket text frame, ready to be written as is to any number of
// connections. data must be valid JSON (empty means {}); the result shares
// nothing with it. Encode an event once and pass the frame to
// Session.SendFrame of every recipient.
func EncodeEvent(name string, data []byte) []byte {
	if len(data) == 0 {
		data = []byte("{}")
	}
	b := newFrame(len(name) + len(data) + 22)
	b = append(b, `{"event":`...)
	b = appendJSONString(b, name)
	b = append(b, `,"data":`...)
	b = append(b, data...)
	b = append(b, '}')
	return finishFrame(b, ws.OpText)
}

// eventName returns the name of an event frame made by EncodeEvent (it
// aliases the frame), or unknownLabel when the frame is not one or its
// name needed escaping.
func eventName(frame []byte) []byte {
	if len(frame) < 2 {
		return unknownName
	}
	p := frame[2:]
	switch frame[1] & 0x7F {
	case 126:
		p = frame[min(4, len(frame)):]
	case 127:
		p = frame[min(maxHeader, len(frame)):]
	}
	rest, ok := bytes.CutPrefix(p, []byte(`{"event":"`))
	if !ok {
		return unknownName
	}
	name, _, ok := bytes.Cut(rest, []byte(`"`))
	if !ok || bytes.IndexByte(name, '\\') >= 0 {
		return unknownName
	}
	return name
}

// unknownName is unknownLabel as bytes; it is immutable and shared.
var unknownName = []byte(unknownLabel)

// encodeResponse returns the response frame {"id","code","info","data"};
// data is omitted when nil.
func encodeResponse(id uint64, code int, info string, data []byte) []byte {
	b := newFrame(len(info) + len(data) + 48)
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"info":`...)
	b = appendJSONString(b, info)
	if data != nil {
		b = append(b, `,"data":`...)
		b = append(b, data...)
	}
	b = append(b, '}')
	return finishFrame(b, ws.OpText)
}

// errorResponse encodes an *im.Error as the answer to request id.
func errorResponse(id uint64, e *im.Error) []byte {
	return encodeResponse(id, e.Code, e.Info, nil)
}

// appendJSONString appends s as a JSON string; plain ASCII, the common
// case for names and infos, is copied without going through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// controlFrame returns an unmasked control frame with payload p (at most
// 125 bytes).
func controlFrame(op ws.OpCode, p []byte) []byte {
	b := newFrame(len(p))
	b = append(b, p...)
	return finishFrame(b, op)
}

// validClose reports whether p is a close frame payload a peer may send
// (RFC 6455 §5.5.1, §7.4): empty, or a status code of the protocol's that
// is not reserved for local use (1000-1003, 1007-1014) or of the
// registered (3000-3999) or private (4000-4999) ranges, followed by a
// UTF-8 reason.
func validClose(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	if len(p) < 2 || !utf8.Valid(p[2:]) {
		return false
	}
	switch code := binary.BigEndian.Uint16(p); {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// closeFrame returns the close frame for reason, or nil for reasons that
// send none.
func closeFrame(reason string) []byte {
	code, ok := protocol.CloseCode(reason)
	if !ok {
		return nil
	}
	return controlFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason))
}

// pingFrame is the heartbeat the server sends; it is immutable and shared.
var pingFrame = controlFrame(ws.OpPing, nil)
