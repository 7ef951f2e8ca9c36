package message

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
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
// (MsgTime = TimeStamp). It runs no webhooks and no Permissions; it updates
// both participants' conversations and sync streams.
//
// Dedup: the reference's key is (MsgSeq, MsgRandom, MsgTimeStamp), also
// matching with From and To swapped, first import wins. The store port can
// only deduplicate on (sender, MsgRandom, time window), which is not that
// key, so ImportC2C looks the key up in the conversation's history for that
// second and appends only when it is absent, holding an in-process lock per
// conversation across the two steps. The lock makes it exact on one node;
// two nodes importing the same message at the same instant could both
// store it.
//
// Codes: 90010 a mode other than 1, 2, 5; 90006 no TimeStamp; the send
// codes for participants, accounts and the body.
func (s *Service) ImportC2C(ctx context.Context, req ImportRequest) (SendResult, error) {
	if err := s.checkImport(ctx, &req); err != nil {
		return SendResult{}, err
	}
	mu := &s.importLocks[conversationStripe(req.SDKAppID, req.From, req.To, len(s.importLocks))]
	mu.Lock()
	defer mu.Unlock()
	first, found, err := s.findImported(ctx, &req)
	if err != nil {
		return SendResult{}, err
	}
	if found {
		return resultOf(&first, true), nil
	}
	m := Message{
		From: req.From, To: req.To, Random: req.Random, Time: req.TimeStamp * 1000, Body: req.Body,
		CloudCustomData: req.CloudCustomData, ClientTime: req.TimeStamp, ClientSeq: req.ClientSeq,
		SenderSync: req.From != req.To,
	}
	p := s.senderProfile(ctx, req.SDKAppID, req.From)
	m.Nick, m.FaceURL = p.Nick, p.FaceURL
	rec, err := m.toStored()
	if err != nil {
		return SendResult{}, err
	}
	rec.Unread = req.Mode != ImportHistory && req.From != req.To
	res, err := s.store.AppendC2C(ctx, req.SDKAppID, []store.C2CAppend{{Msg: rec}})
	if err != nil {
		return SendResult{}, fmt.Errorf("message: import %s->%s in app %d: %w", req.From, req.To, req.SDKAppID, err)
	}
	m.Seq = res[0].Msg.Seq
	if req.Mode != ImportHistory {
		dctx := context.WithoutCancel(ctx)
		s.deliver(dctx, req.SDKAppID, &m, res[0].RecipientSyncSeq, res[0].SenderSyncSeq, "")
		if req.Mode == ImportRealtimePush {
			s.push(dctx, req.SDKAppID, m)
		}
	}
	return resultOf(&m, false), nil
}

func (s *Service) checkImport(ctx context.Context, req *ImportRequest) error {
	switch req.Mode {
	case ImportRealtime, ImportHistory, ImportRealtimePush:
	default:
		return im.Errorf(im.CodeMsgFormat, "SyncFromOldSystem %d: want 1, 2 or 5", req.Mode)
	}
	if req.TimeStamp <= 0 {
		return im.Errorf(im.CodeMsgTimeStamp, "MsgTimeStamp missing")
	}
	if err := checkParticipants(req.From, req.To); err != nil {
		return err
	}
	if err := s.checkContent(req.Body, req.CloudCustomData); err != nil {
		return err
	}
	return s.checkAccounts(ctx, req.SDKAppID, req.From, req.To)
}

// findImported looks for a message of the conversation with the request's
// (ClientSeq, Random, TimeStamp), in either direction.
func (s *Service) findImported(ctx context.Context, req *ImportRequest) (Message, bool, error) {
	second := req.TimeStamp * 1000
	q := store.HistoryQuery{MinTime: second, MaxTime: second + 999, Limit: 100}
	for {
		page, err := s.store.C2CHistory(ctx, req.SDKAppID, req.From, req.To, q)
		if err != nil {
			return Message{}, false, fmt.Errorf("message: import dedup lookup: %w", err)
		}
		for _, r := range page {
			if r.Random == req.Random && r.ClientSeq == req.ClientSeq {
				m, err := fromStored(r, 0)
				return m, err == nil, err
			}
		}
		if len(page) < q.Limit {
			return Message{}, false, nil
		}
		q.BeforeSeq = page[len(page)-1].Seq
	}
}

// conversationStripe picks one of n locks for the conversation {a, b}.
func conversationStripe(sdkAppID uint64, a, b string, n int) int {
	if b < a {
		a, b = b, a
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d\x00%s\x00%s", sdkAppID, a, b)
	return int(h.Sum32() % uint32(n))
}
