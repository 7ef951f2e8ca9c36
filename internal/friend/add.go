package friend

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
	"github.com/parley-im/parley/pkg/protocol"
)

// AddItem is one friend to add.
type AddItem struct {
	UserID    string
	AddSource string // required: AddSource_Type_<letters>
	Remark    string
	Group     string // a friend list to put the friend in ("" none)
	Wording   string
}

// AddRequest is a friend_add call.
type AddRequest struct {
	From  string
	Items []AddItem
	// Both adds two-way (Add_Type_Both, the default): the peer gets From
	// too. With a NeedConfirm peer it asks the peer to confirm, who then
	// chooses one way or both.
	Both bool
	// Force skips the peer's AllowType and the sender's AdminForbidType
	// (ForceAddFlags 1); blacklists still apply.
	Force bool
}

// Add adds friends of req.From, one ItemResult per item in order: 0 added,
// 30539 a pending request made (the peer's AllowType is NeedConfirm),
// 30001 a bad item or already friends, 30003 no such account, 30009 the
// sender may not send requests, 30010 / 30014 own / peer's list full,
// 30011 friend lists full, 30012 the peer has too many pending requests,
// 30515 / 30525 a blacklist either way, 30516 the peer denies every add.
// Call-level: 30001 no items, more than MaxAddBatch, bad From; 30003 From
// is not an account.
func (s *Service) Add(ctx context.Context, sdkAppID uint64, req AddRequest) ([]ItemResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, req.From); err != nil {
		return nil, err
	}
	if err := checkBatch("friends", len(req.Items), MaxAddBatch); err != nil {
		return nil, err
	}
	peers := make([]string, len(req.Items))
	for i, it := range req.Items {
		peers[i] = it.UserID
	}
	out, err := s.peerResults(ctx, sdkAppID, req.From, peers)
	if err != nil {
		return nil, err
	}
	policies, err := s.addPolicies(ctx, sdkAppID, req.From, peers)
	if err != nil {
		return nil, err
	}
	now := s.now().Unix()
	var (
		adds []store.FriendAdd
		at   []int
	)
	for i, it := range req.Items {
		if out[i].Code != 0 {
			continue
		}
		add, e := addFor(req, it, policies, now)
		if e != nil {
			out[i] = failed(it.UserID, e)
			continue
		}
		adds, at = append(adds, add), append(at, i)
	}
	// Seam: the before-add webhook (Sns.CallbackPrevFriendAdd) will be
	// asked here about adds, and may refuse items.
	return out, s.applyAdds(ctx, sdkAppID, req.From, adds, at, out)
}

// applyAdds writes adds (items at of out) and fills in their results.
func (s *Service) applyAdds(ctx context.Context, sdkAppID uint64, owner string, adds []store.FriendAdd, at []int, out []ItemResult) error {
	if len(adds) == 0 {
		return nil
	}
	outcomes, err := s.store.AddFriends(ctx, sdkAppID, owner, adds, s.limits)
	if err != nil {
		return internal("add friends", sdkAppID, owner, err)
	}
	for k, o := range outcomes {
		add := adds[k]
		out[at[k]] = result(add.Friend.UserID, o)
		switch o {
		case store.FriendDone:
			s.friendAdded(ctx, sdkAppID, owner, add.Friend.UserID)
			if add.Mode == store.AddBothWays {
				s.friendAdded(ctx, sdkAppID, add.Friend.UserID, owner)
			}
		case store.FriendRequested:
			s.requestAdded(ctx, sdkAppID, protocol.FriendRequest{
				From: owner, To: add.Friend.UserID, AddSource: add.Friend.AddSource,
				AddWording: add.Friend.AddWording, AddTime: add.Friend.AddTime,
			})
		}
	}
	// Seam: the after-add webhook (Sns.CallbackFriendAdd) will be told of
	// the items added here.
	return nil
}

// policies is what an add depends on besides the store: the sender's
// AdminForbidType, each peer's AllowType, and blacklists read ahead so
// that a blacklist is reported before AllowType (the store checks them
// again in its transaction).
type policies struct {
	forbidden bool
	allow     map[string]string
	blacklist map[string]store.Relation
}

// addPolicies reads the policies of an add from owner to peers.
func (s *Service) addPolicies(ctx context.Context, sdkAppID uint64, owner string, peers []string) (policies, error) {
	values, err := s.accounts.ProfileValues(ctx, sdkAppID, append([]string{owner}, peers...), []string{TagAllowType, TagAdminForbidType})
	if err != nil {
		return policies{}, fmt.Errorf("friend: read add policies in app %d: %w", sdkAppID, err)
	}
	p := policies{allow: make(map[string]string, len(peers))}
	p.forbidden = profileString(values[owner][TagAdminForbidType]) == ForbidSendOut
	for _, id := range peers {
		p.allow[id] = profileString(values[id][TagAllowType])
	}
	if p.blacklist, err = s.store.BlacklistRelations(ctx, sdkAppID, owner, peers); err != nil {
		return policies{}, internal("check blacklists", sdkAppID, owner, err)
	}
	return p, nil
}

// profileString decodes a string profile value ("" if absent or not a
// string).
func profileString(v json.RawMessage) string {
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// addFor checks one item and decides what it asks of the store: an add
// (one or both ways) or a request. Its refusals are the item's result.
func addFor(req AddRequest, it AddItem, p policies, now int64) (store.FriendAdd, *im.Error) {
	if e := checkAddItem(it); e != nil {
		return store.FriendAdd{}, e
	}
	rel := p.blacklist[it.UserID]
	switch {
	case rel.AHasB:
		return store.FriendAdd{}, im.Errorf(im.CodeSNSPeerBlocked, "%q is in your blacklist", it.UserID)
	case rel.BHasA:
		return store.FriendAdd{}, im.Errorf(im.CodeSNSBlockedByPeer, "you are in %q's blacklist", it.UserID)
	}
	f := store.Friend{UserID: it.UserID, Remark: it.Remark, AddSource: it.AddSource, AddWording: it.Wording, AddTime: now}
	if it.Remark != "" {
		f.RemarkTime = now
	}
	if it.Group != "" {
		f.Groups = []string{it.Group}
	}
	add := store.FriendAdd{Mode: store.AddOneWay, Friend: f}
	if req.Both {
		add.Mode = store.AddBothWays
		add.Reverse = store.Friend{AddSource: it.AddSource, AddWording: it.Wording, AddTime: now}
	}
	if req.Force {
		return add, nil
	}
	if p.forbidden {
		return store.FriendAdd{}, im.Errorf(im.CodeSNSAddForbidden, "%q may not send friend requests", req.From)
	}
	switch p.allow[it.UserID] {
	case AllowAny:
		return add, nil
	case AllowDeny:
		return store.FriendAdd{}, im.Errorf(im.CodeSNSPeerDeniesAdds, "%q accepts no friend requests", it.UserID)
	}
	add.Mode = store.AddRequest // NeedConfirm, and the unset default
	return add, nil
}

// checkAddItem checks an add's fields.
func checkAddItem(it AddItem) *im.Error {
	if e := checkAddSource(it.AddSource); e != nil {
		return e
	}
	if e := checkRemark(it.Remark); e != nil {
		return e
	}
	if e := checkWording(it.Wording); e != nil {
		return e
	}
	if it.Group != "" {
		return checkListNames([]string{it.Group})
	}
	return nil
}

// ImportItem is one friend entry to import, with every field given.
type ImportItem struct {
	UserID     string
	AddSource  string // required
	Remark     string
	RemarkTime int64
	Groups     []string
	Wording    string
	AddTime    int64
	Custom     []Field // Tag_SNS_Custom_ tags
}

// Import writes entries into from's list one way, as they are (friend_import:
// no AllowType, no request; an existing entry is overwritten), one
// ItemResult per item: Add's codes but 30539, 30009 and 30516.
func (s *Service) Import(ctx context.Context, sdkAppID uint64, from string, items []ImportItem) ([]ItemResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("friends", len(items), MaxAddBatch); err != nil {
		return nil, err
	}
	peers := make([]string, len(items))
	for i, it := range items {
		peers[i] = it.UserID
	}
	out, err := s.peerResults(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, err
	}
	declared, err := s.customKeys(ctx, sdkAppID)
	if err != nil {
		return nil, err
	}
	var (
		adds []store.FriendAdd
		at   []int
	)
	for i, it := range items {
		if out[i].Code != 0 {
			continue
		}
		f, e := importEntry(it, s.now().Unix(), declared)
		if e != nil {
			out[i] = failed(it.UserID, e)
			continue
		}
		adds, at = append(adds, store.FriendAdd{Mode: store.AddImport, Friend: f}), append(at, i)
	}
	return out, s.applyAdds(ctx, sdkAppID, from, adds, at, out)
}

// importEntry checks an imported entry and returns it in the store's form;
// an AddTime of 0 is now; declared are the app's custom friend keys.
func importEntry(it ImportItem, now int64, declared []string) (store.Friend, *im.Error) {
	if e := checkAddItem(AddItem{AddSource: it.AddSource, Remark: it.Remark, Wording: it.Wording}); e != nil {
		return store.Friend{}, e
	}
	if e := checkListNames(it.Groups); e != nil {
		return store.Friend{}, e
	}
	f := store.Friend{
		UserID: it.UserID, Groups: it.Groups, Remark: it.Remark, RemarkTime: it.RemarkTime,
		AddSource: it.AddSource, AddWording: it.Wording, AddTime: it.AddTime,
	}
	if f.AddTime == 0 {
		f.AddTime = now
	}
	for _, c := range it.Custom {
		if e := checkCustom(c, declared); e != nil {
			return store.Friend{}, e
		}
		f.Custom = append(f.Custom, store.ProfileItem{Tag: c.Tag, Value: c.Value})
	}
	return f, nil
}
