package message

import (
	"context"

	"github.com/parley-im/parley/internal/im"
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
// atomic append, through the pipeline's batch-send route (pipeline.go).
// Like the reference's batchsendmsg it runs no webhooks and no Permissions
// (admins only); MsgLifeTime 0 or OnlineOnlyFlag 1 delivers to online
// sessions only. Dedup applies per recipient.
//
// Call-level codes: 90003 no recipients; 90011 more than
// MaxBatchRecipients; 20003 the sender is not an account; the body and
// option codes. Recipients that fail get their own code in Results; when
// every recipient failed, the error is the first one's code and the result
// is still returned. Stage says which stages it reports to
// Config.ObserveStage.
func (s *Service) BatchSendC2C(ctx context.Context, req BatchRequest) (BatchResult, error) {
	p := s.newPass(&routeBatchSend, req.SDKAppID, req.From, req.Options, req.ClientSeq)
	p.partial = true
	p.check = func() error { return checkBatch(&req) }
	proto := s.compose(req.From, req.Body, &p.opts, req.ClientSeq, p.now)
	seen := make(map[string]bool, len(req.To))
	for _, id := range req.To {
		if !seen[id] {
			seen[id] = true
			p.addC2C(proto, id)
		}
	}
	if err := s.run(ctx, p); err != nil {
		return BatchResult{}, err
	}
	// The batch's key is that of its first copy sent; a retried batch is a
	// duplicate, and its key is the first attempt's.
	first := &proto
	out := BatchResult{Results: make([]RecipientResult, len(p.out))}
	for i := range p.out {
		o := &p.out[i]
		out.Results[i] = RecipientResult{To: o.conv.ID, Code: o.code, MsgSeq: o.msg.Seq, Duplicate: o.duplicate}
		if o.code == 0 && first == &proto {
			first = &o.msg
		}
	}
	out.MsgKey, out.MsgTime = im.FormatMsgKey(0, first.Random, first.TimeSeconds()), first.TimeSeconds()
	if len(out.Failed()) == len(out.Results) {
		first := out.Results[0]
		return out, im.Errorf(first.Code, "the message reached no recipient (first failure: %s)", first.To)
	}
	return out, nil
}

// checkBatch checks the recipient count; the target checks the rest.
func checkBatch(req *BatchRequest) error {
	switch {
	case len(req.To) == 0:
		return im.Errorf(im.CodeMsgToAccount, "To_Account missing or empty")
	case len(req.To) > MaxBatchRecipients:
		return im.Errorf(im.CodeMsgBatchTooMany, "%d recipients, at most %d allowed", len(req.To), MaxBatchRecipients)
	}
	return nil
}
