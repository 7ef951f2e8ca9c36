package gateway

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/gobwas/ws"
)

// Errors of the frame reader.
var (
	// errOversize: a data message over the limit was read and discarded;
	// the connection is still in sync and usable.
	errOversize = errors.New("gateway: message over the size limit was discarded")
	// errTooBig: a data message over the limit could not be skipped within
	// the skip budget; the connection must be closed.
	errTooBig = errors.New("gateway: message over the size limit")
)

// minGrow is the smallest step by which a message buffer grows.
const minGrow = 4 << 10

// frameReader reads client frames. It owns no buffer while the connection
// is idle: the first two bytes of every frame that is not already buffered
// are read straight from the connection, and only then is a buffer taken
// from the pool; the buffer goes back as soon as it holds no unread bytes.
// Control frames are returned as they come, also between the fragments of
// a data message, which is assembled across calls.
type frameReader struct {
	src  io.Reader
	buf  *bufio.Reader // nil while nothing is buffered
	pool *sync.Pool    // of *bufio.Reader of poolSize
	// poolSize tells pooled buffers from the one inherited from net/http.
	poolSize int

	maxMessage int64 // largest accepted data message (all fragments)
	maxSkip    int64 // largest oversize message discarded to stay usable

	state   ws.State // server side, plus Fragmented inside a message
	op      ws.OpCode
	message []byte // the data message being assembled
	skipped int64  // bytes discarded of an oversize message; -1 when not skipping
	hdr     [ws.MaxHeaderSize]byte
}

func newFrameReader(src io.Reader, inherited *bufio.Reader, pool *sync.Pool, poolSize int, maxMessage, maxSkip int64) *frameReader {
	r := &frameReader{
		src: src, pool: pool, poolSize: poolSize,
		maxMessage: maxMessage, maxSkip: maxSkip,
		state: ws.StateServerSide, skipped: -1,
	}
	if inherited != nil && inherited.Buffered() > 0 {
		r.buf = inherited
	}
	return r
}

// release returns the buffer to the pool if it holds no unread bytes.
func (r *frameReader) release() {
	if r.buf == nil || r.buf.Buffered() > 0 {
		return
	}
	if r.buf.Size() == r.poolSize {
		r.buf.Reset(nil)
		r.pool.Put(r.buf)
	}
	r.buf = nil
}

// drop gives the buffer back whatever it holds; the reader is done.
func (r *frameReader) drop() {
	if r.buf != nil && r.buf.Size() == r.poolSize {
		r.buf.Reset(nil)
		r.pool.Put(r.buf)
	}
	r.buf = nil
}

// readHeader reads and checks one frame header.
func (r *frameReader) readHeader() (ws.Header, error) {
	var h ws.Header
	b := r.hdr[:2]
	if r.release(); r.buf == nil {
		if _, err := io.ReadFull(r.src, b); err != nil {
			return h, err
		}
		r.buf = r.pool.Get().(*bufio.Reader)
		r.buf.Reset(r.src)
	} else if _, err := io.ReadFull(r.buf, b); err != nil {
		return h, err
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] >> 4) & 0x07
	h.OpCode = ws.OpCode(b[0] & 0x0F)
	h.Masked = b[1]&0x80 != 0
	extra := 0
	switch l := b[1] & 0x7F; l {
	case 126:
		extra = 2
	case 127:
		extra = 8
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		extra += 4
	}
	x := r.hdr[2 : 2+extra]
	if _, err := io.ReadFull(r.buf, x); err != nil {
		return h, noEOF(err)
	}
	switch b[1] & 0x7F {
	case 126:
		h.Length, x = int64(binary.BigEndian.Uint16(x)), x[2:]
	case 127:
		n := binary.BigEndian.Uint64(x)
		if n > 1<<63-1 {
			return h, ws.ErrHeaderLengthMSB
		}
		h.Length, x = int64(n), x[8:]
	}
	if h.Masked {
		copy(h.Mask[:], x)
	}
	return h, ws.CheckHeader(h, r.state)
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// next returns the next control frame or complete data message, unmasked.
// errOversize means a message was discarded and reading may go on; any
// other error is fatal to the connection.
func (r *frameReader) next() (ws.OpCode, []byte, error) {
	for {
		h, err := r.readHeader()
		if err != nil {
			return 0, nil, err
		}
		if h.OpCode.IsControl() {
			p, err := r.payload(h, nil)
			return h.OpCode, p, err
		}
		if h.Fin {
			r.state = r.state.Clear(ws.StateFragmented)
		} else {
			r.state = r.state.Set(ws.StateFragmented)
		}
		if h.OpCode != ws.OpContinuation {
			r.op, r.message, r.skipped = h.OpCode, nil, -1
		}
		if r.skipped >= 0 || h.Length > r.maxMessage-int64(len(r.message)) {
			if err := r.skip(h); err != nil {
				return 0, nil, err
			}
			if !h.Fin {
				continue // the message is answered once, after its last fragment
			}
			return r.op, nil, errOversize
		}
		if r.message, err = r.payload(h, r.message); err != nil {
			return 0, nil, err
		}
		if h.Fin {
			msg := r.message
			r.message = nil
			return r.op, msg, nil
		}
	}
}

// skip discards the payload of a frame of an oversize message.
func (r *frameReader) skip(h ws.Header) error {
	r.message = nil
	r.skipped = max(r.skipped, 0)
	if h.Length > r.maxSkip-r.skipped {
		return errTooBig
	}
	r.skipped += h.Length
	if _, err := io.CopyN(io.Discard, r.buf, h.Length); err != nil {
		return noEOF(err)
	}
	return nil
}

// payload appends the frame's unmasked payload to dst. It grows dst as
// bytes arrive, never by the length the peer declared.
func (r *frameReader) payload(h ws.Header, dst []byte) ([]byte, error) {
	start := len(dst)
	for remaining := h.Length; remaining > 0; {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, int(min(remaining, max(int64(cap(dst)), minGrow))))
		}
		chunk := dst[len(dst):min(cap(dst), len(dst)+int(remaining))]
		n, err := io.ReadFull(r.buf, chunk)
		dst = dst[:len(dst)+n]
		remaining -= int64(n)
		if err != nil {
			return dst, noEOF(err)
		}
	}
	if h.Masked {
		ws.Cipher(dst[start:], h.Mask, 0)
	}
	return dst, nil
}
