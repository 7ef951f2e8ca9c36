package message

import (
	"context"

	"github.com/parley-im/parley/internal/im"
)

// ImportMode is importmsg's SyncFromOldSystem.
type ImportMode int

// Import modes. The reference documents 2 and 5; older documentation calls
// the real-time mode 1, which is accepted as 5 without offline push.
const (
	// ImportRealtime (1): counts as unread and is delivered to online
	// sessions; no offline push.
	ImportRealtime ImportMode = 1
	// ImportHistory (2): history; no unread, no live delivery, no push.
	ImportHistory ImportMode = 2
	// ImportRealtimePush (5): real-time during a migration; counts as
	// unread, is delivered and pushed.
	ImportRealtimePush ImportMode = 5
)

// ImportRequest asks ImportC2C to import one message (importmsg).
type ImportRequest struct {
	SDKAppID uint64
	From     string
	To       string
	Body     im.MsgBody
	// Random, TimeStamp (Unix seconds, required) and ClientSeq (MsgSeq)
	// identify the message: a second import with the same three, in either
	// direction of the conversation, is a duplicate.
	Random          uint32
	TimeStamp       int64
	ClientSeq       uint64
	CloudCustomData string
	Mode            ImportMode
}

// ImportC2C stores a message from another system with its original time
// (MsgTime = TimeStamp), through the pipeline's import route for its mode
// (pipeline.go). It runs no webhooks, no Permissions and no admission; it
// updates both participants' conversations and sync streams.
//
// Dedup: the reference's key is (MsgSeq, MsgRandom, MsgTimeStamp), also
// matching with From and To swapped, first import wins. The store port can
// only deduplicate on (sender, MsgRandom, time window), which is not that
// key, so the store step looks the key up in the conversation's history
// for that second and appends only when it is absent, holding an
// in-process lock per conversation across the two. The lock makes it exact
// on one node; two nodes importing the same message at the same instant
// could both store it.
//
// Codes: 90010 a mode other than 1, 2, 5; 90006 no TimeStamp; the send
// codes for participants, accounts and the body.
func (s *Service) ImportC2C(ctx context.Context, req ImportRequest) (SendResult, error) {
	r, ok := importRoutes[req.Mode]
	if !ok {
		r = &routeImportHistory // the check below refuses the mode
	}
	p := &pass{
		route: r, target: s.target(im.ConvC2C), app: req.SDKAppID, from: req.From, now: s.now(),
		opts:     im.SendOptions{CloudCustomData: req.CloudCustomData},
		noUnread: req.Mode == ImportHistory,
		check:    func() error { return checkImport(&req) },
	}
	p.addC2C(Message{
		From: req.From, Random: req.Random, Time: req.TimeStamp * 1000, Body: req.Body,
		CloudCustomData: req.CloudCustomData, ClientTime: req.TimeStamp, ClientSeq: req.ClientSeq,
		SenderSync: true,
	}, req.To)
	if err := s.run(ctx, p); err != nil {
		return SendResult{}, err
	}
	o := &p.out[0]
	return resultOf(&o.msg, o.duplicate), nil
}

// importRoutes maps each import mode to its route.
var importRoutes = map[ImportMode]*route{
	ImportHistory:      &routeImportHistory,
	ImportRealtime:     &routeImportRealtime,
	ImportRealtimePush: &routeImportRealtimePush,
}

// checkImport checks the mode and the time; the target checks the rest.
func checkImport(req *ImportRequest) error {
	switch req.Mode {
	case ImportRealtime, ImportHistory, ImportRealtimePush:
	default:
		return im.Errorf(im.CodeMsgFormat, "SyncFromOldSystem %d: want 1, 2 or 5", req.Mode)
	}
	if req.TimeStamp <= 0 {
		return im.Errorf(im.CodeMsgTimeStamp, "MsgTimeStamp missing")
	}
	return nil
}
