package message

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// BatchRequest asks BatchSendC2C to send one message to many users, as an
// app admin through the REST API (batchsendmsg).
type BatchRequest struct {
	SDKAppID uint64
	From     string
	To       []string
	Body     im.MsgBody
	Options  im.SendOptions
	// ClientSeq is MsgSeq, as in SendRequest (nil: one random value for
	// every recipient's copy).
	ClientSeq *uint32
}

// RecipientResult is the outcome for one recipient of a batch.
type RecipientResult struct {
	To string
	// Code is 0 when the message was sent (or was a duplicate), else the
	// reference code: 90012 not an account or not a valid UserID.
	Code      int
	MsgSeq    uint64
	Duplicate bool
}

// BatchResult is the outcome of a batch.
type BatchResult struct {
	// MsgKey is the batch's one key, "0_{MsgRandom}_{MsgTime}": every
	// recipient's copy has its own MsgSeq in its own conversation, so the
	// key names them by MsgRandom and MsgTime instead, and Recall and
	// Modify find the copy in whichever conversation they are asked about.
	MsgKey  string
	MsgTime int64
	// Results has one entry per distinct recipient, in request order.
	Results []RecipientResult
}

// Failed returns the recipients the message did not reach.
func (r BatchResult) Failed() []RecipientResult {
	var out []RecipientResult
	for _, it := range r.Results {
		if it.Code != 0 {
			out = append(out, it)
		}
	}
	return out
}

// BatchSendC2C sends one message to up to MaxBatchRecipients users in one
// atomic append. Like the reference's batchsendmsg it runs no webhooks and
// no Permissions (admins only); MsgLifeTime 0 or OnlineOnlyFlag 1 delivers
// to online sessions only. Dedup applies per recipient.
//
// Call-level codes: 90003 no recipients; 90011 more than
// MaxBatchRecipients; 20003 the sender is not an account; the body and
// option codes. Recipients that fail get their own code in Results; when
// every recipient failed, the error is the first one's code and the result
// is still returned. Stage says which stages it reports to
// Config.ObserveStage.
func (s *Service) BatchSendC2C(ctx context.Context, req BatchRequest) (BatchResult, error) {
	results, valid, err := s.validateBatch(ctx, &req)
	if err != nil {
		return BatchResult{}, err
	}
	now := s.now()
	proto := s.compose(ctx, req.SDKAppID, req.From, "", req.Body, &req.Options, now)
	proto.ClientSeq = s.clientSeq(req.ClientSeq)
	out := BatchResult{MsgKey: im.FormatMsgKey(0, proto.Random, proto.TimeSeconds()), MsgTime: proto.TimeSeconds(), Results: results}
	if len(valid) > 0 {
		if err := s.sendBatch(ctx, req, proto, valid, &out); err != nil {
			return BatchResult{}, err
		}
	}
	if len(out.Failed()) == len(out.Results) {
		first := out.Results[0]
		return out, im.Errorf(first.Code, "the message reached no recipient (first failure: %s)", first.To)
	}
	return out, nil
}

// validateBatch is a batch's validate stage: the request, then which
// recipients are accounts (see screenRecipients).
func (s *Service) validateBatch(ctx context.Context, req *BatchRequest) ([]RecipientResult, []int, error) {
	defer s.observeSince(StageValidate, time.Now())
	if err := s.checkBatch(req); err != nil {
		return nil, nil, err
	}
	return s.screenRecipients(ctx, req.SDKAppID, req.From, req.To)
}

func (s *Service) checkBatch(req *BatchRequest) error {
	switch {
	case len(req.To) == 0:
		return im.Errorf(im.CodeMsgToAccount, "To_Account missing or empty")
	case len(req.To) > MaxBatchRecipients:
		return im.Errorf(im.CodeMsgBatchTooMany, "%d recipients, at most %d allowed", len(req.To), MaxBatchRecipients)
	}
	if err := im.CheckUserID(req.From); err != nil {
		return im.Errorf(im.CodeC2CInvalidUser, "sender: %v", err)
	}
	if err := req.Body.Validate(s.limits); err != nil {
		return err
	}
	return req.Options.Validate(s.limits)
}

// screenRecipients returns one result per distinct recipient, marking the
// ones that are not accounts, and the indexes of the valid ones.
func (s *Service) screenRecipients(ctx context.Context, sdkAppID uint64, from string, to []string) ([]RecipientResult, []int, error) {
	seen := make(map[string]bool, len(to))
	ids := []string{from}
	var results []RecipientResult
	for _, id := range to {
		if seen[id] {
			continue
		}
		seen[id] = true
		results = append(results, RecipientResult{To: id})
		if im.CheckUserID(id) == nil {
			ids = append(ids, id)
		}
	}
	found, err := s.store.GetAccounts(ctx, sdkAppID, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("message: accounts of app %d: %w", sdkAppID, err)
	}
	if _, ok := found[from]; !ok {
		return nil, nil, im.Errorf(im.CodeC2CInvalidUser, "sender %q is not an account", from)
	}
	var valid []int
	for i := range results {
		if _, ok := found[results[i].To]; ok {
			valid = append(valid, i)
		} else {
			results[i].Code = im.CodeMsgToNotRegistered
		}
	}
	return results, valid, nil
}

// sendBatch stores (unless online-only) and delivers the copies for the
// valid recipients.
func (s *Service) sendBatch(ctx context.Context, req BatchRequest, proto Message, valid []int, out *BatchResult) error {
	msgs := make([]Message, len(valid))
	for i, idx := range valid {
		msgs[i] = proto
		msgs[i].To = out.Results[idx].To
		msgs[i].SenderSync = req.Options.SyncOtherMachine != im.NoSyncToSender && msgs[i].To != req.From
	}
	if proto.OnlineOnly {
		for i := range msgs {
			s.deliver(context.WithoutCancel(ctx), req.SDKAppID, &msgs[i], 0, 0, "")
		}
		return nil
	}
	res, err := s.appendBatch(ctx, req.SDKAppID, msgs, &req.Options)
	if err != nil {
		return err
	}
	dctx := context.WithoutCancel(ctx)
	for i, idx := range valid {
		msgs[i].Seq, msgs[i].Time = res[i].Msg.Seq, res[i].Msg.Time
		out.Results[idx].MsgSeq, out.Results[idx].Duplicate = res[i].Msg.Seq, res[i].Duplicate
		if res[i].Duplicate {
			continue
		}
		s.deliver(dctx, req.SDKAppID, &msgs[i], res[i].RecipientSyncSeq, res[i].SenderSyncSeq, "")
		s.push(dctx, req.SDKAppID, msgs[i])
	}
	// A retried batch is a duplicate: its key is the first attempt's.
	out.MsgKey, out.MsgTime = im.FormatMsgKey(0, msgs[0].Random, msgs[0].TimeSeconds()), msgs[0].TimeSeconds()
	return nil
}

// appendBatch stores msgs, which share one send time, in one atomic append
// with dedup per recipient; it returns one result per message, in order.
func (s *Service) appendBatch(ctx context.Context, sdkAppID uint64, msgs []Message, o *im.SendOptions) ([]store.C2CAppended, error) {
	defer s.observeSince(StageStore, time.Now())
	appends := make([]store.C2CAppend, len(msgs))
	now := time.UnixMilli(msgs[0].Time)
	for i := range msgs {
		a, err := appendOf(&msgs[i], o, now)
		if err != nil {
			return nil, err
		}
		appends[i] = a
	}
	res, err := s.store.AppendC2C(ctx, sdkAppID, appends)
	if err != nil {
		return nil, fmt.Errorf("message: batch append of %d in app %d: %w", len(appends), sdkAppID, err)
	}
	if len(res) != len(msgs) {
		return nil, fmt.Errorf("message: batch append returned %d results for %d messages", len(res), len(msgs))
	}
	return res, nil
}
