package friend

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/parley-im/parley/internal/im"
	"github.com/parley-im/parley/internal/store"
)

// UpdateItem changes fields of one friend entry.
type UpdateItem struct {
	UserID string
	// Fields are the tags to set: Tag_SNS_IM_Group (a list of names,
	// replacing the friend's lists), Tag_SNS_IM_Remark,
	// Tag_SNS_IM_AddWording and Tag_SNS_Custom_ tags (an empty string
	// removes one).
	Fields []Field
}

// Update changes fields of from's friends, one ItemResult per item: 0,
// 30001 a bad or unknown tag or value, 31704 not a friend, 30011 friend
// lists full. Call-level: Add's.
func (s *Service) Update(ctx context.Context, sdkAppID uint64, from string, items []UpdateItem) ([]ItemResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("friends", len(items), MaxAddBatch); err != nil {
		return nil, err
	}
	declared, err := s.customKeys(ctx, sdkAppID)
	if err != nil {
		return nil, err
	}
	out := make([]ItemResult, len(items))
	var (
		updates []store.FriendUpdate
		at      []int
	)
	now := s.now().Unix()
	for i, it := range items {
		u, e := updateFor(it, now, declared)
		if e != nil {
			out[i] = failed(it.UserID, e)
			continue
		}
		out[i] = ItemResult{UserID: it.UserID}
		updates, at = append(updates, u), append(at, i)
	}
	if len(updates) == 0 {
		return out, nil
	}
	outcomes, err := s.store.UpdateFriends(ctx, sdkAppID, from, updates, s.limits)
	if err != nil {
		return nil, internal("update friends", sdkAppID, from, err)
	}
	for k, o := range outcomes {
		out[at[k]] = result(updates[k].UserID, o)
		if o == store.FriendDone {
			s.infoChanged(ctx, sdkAppID, from, updates[k].UserID, items[at[k]].Fields)
		}
	}
	return out, nil
}

// updateFor checks one UpdateItem and returns it in the store's form;
// declared are the app's custom friend keys.
func updateFor(it UpdateItem, now int64, declared []string) (store.FriendUpdate, *im.Error) {
	u := store.FriendUpdate{UserID: it.UserID}
	if im.CheckUserID(it.UserID) != nil {
		return u, badParam("invalid UserID %q", it.UserID)
	}
	if len(it.Fields) == 0 {
		return u, badParam("no fields to update")
	}
	for _, f := range it.Fields {
		if e := applyField(&u, f, now, declared); e != nil {
			return u, e
		}
	}
	return u, nil
}

// applyField sets one tag of an update.
func applyField(u *store.FriendUpdate, f Field, now int64, declared []string) *im.Error {
	switch {
	case f.Tag == TagGroup:
		var groups []string
		if err := json.Unmarshal(f.Value, &groups); err != nil {
			return badParam("%s: want a list of names", f.Tag)
		}
		if e := checkListNames(groups); e != nil {
			return e
		}
		u.Groups = append([]string{}, groups...)
	case f.Tag == TagRemark:
		v, e := stringValue(f)
		if e == nil {
			e = checkRemark(v)
		}
		u.Remark, u.RemarkTime = &v, now
		return e
	case f.Tag == TagAddWording:
		v, e := stringValue(f)
		if e == nil {
			e = checkWording(v)
		}
		u.AddWording = &v
		return e
	case strings.HasPrefix(f.Tag, CustomTagPrefix):
		if e := checkCustom(f, declared); e != nil {
			return e
		}
		value := []byte(f.Value)
		if string(value) == `""` {
			value = nil // removes the tag
		}
		u.Custom = append(u.Custom, store.ProfileItem{Tag: f.Tag, Value: value})
	default:
		return badParam("friend tag %q cannot be updated", f.Tag)
	}
	return nil
}

// Delete removes friends of from (and, with both, from from their lists),
// one ItemResult per UserID: 0, 31704 not from's friend, 30001 invalid,
// 30003 not an account.
func (s *Service) Delete(ctx context.Context, sdkAppID uint64, from string, peers []string, both bool) ([]ItemResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("UserIDs", len(peers), MaxBatch); err != nil {
		return nil, err
	}
	out, err := s.peerResults(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, err
	}
	var ids []string
	var at []int
	for i, r := range out {
		if r.Code == 0 {
			ids, at = append(ids, r.UserID), append(at, i)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	// Read ahead which peers have from, to tell them of what both removes;
	// a change racing this one may make that event stale, as any event
	// can be, and the sequences tell the client to reload.
	var rels map[string]store.Relation
	if both {
		if rels, err = s.store.FriendRelations(ctx, sdkAppID, from, ids); err != nil {
			return nil, internal("check friends", sdkAppID, from, err)
		}
	}
	outcomes, err := s.store.DeleteFriends(ctx, sdkAppID, from, ids, both)
	if err != nil {
		return nil, internal("delete friends", sdkAppID, from, err)
	}
	for k, o := range outcomes {
		out[at[k]] = result(ids[k], o)
		if o == store.FriendDone {
			s.friendDeleted(ctx, sdkAppID, from, ids[k])
		}
		if rels[ids[k]].BHasA {
			s.friendDeleted(ctx, sdkAppID, ids[k], from)
		}
	}
	// Seam: the after-delete webhook (Sns.CallbackFriendDelete) will be
	// told of the items deleted here.
	return out, nil
}

// DeleteAll empties from's friend list (and, with both, removes from from
// every former friend's list).
func (s *Service) DeleteAll(ctx context.Context, sdkAppID uint64, from string, both bool) error {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return err
	}
	friends, _, err := s.store.GetFriends(ctx, sdkAppID, from, nil)
	if err != nil {
		return internal("get friends", sdkAppID, from, err)
	}
	ids := make([]string, len(friends))
	for i, f := range friends {
		ids[i] = f.UserID
	}
	var rels map[string]store.Relation
	if both && len(ids) > 0 {
		if rels, err = s.store.FriendRelations(ctx, sdkAppID, from, ids); err != nil {
			return internal("check friends", sdkAppID, from, err)
		}
	}
	if err := s.store.DeleteAllFriends(ctx, sdkAppID, from, both); err != nil {
		return internal("delete all friends", sdkAppID, from, err)
	}
	for _, id := range ids {
		s.friendDeleted(ctx, sdkAppID, from, id)
		if rels[id].BHasA {
			s.friendDeleted(ctx, sdkAppID, id, from)
		}
	}
	return nil
}

// Relations of a friend check (CheckResult_Type_*) and a blacklist check
// (BlackCheckResult_Type_*).
const (
	RelationNone    = "CheckResult_Type_NoRelation"
	RelationAWithB  = "CheckResult_Type_AWithB"
	RelationBWithA  = "CheckResult_Type_BWithA"
	RelationBothWay = "CheckResult_Type_BothWay"

	BlackNone    = "BlackCheckResult_Type_NO"
	BlackAWithB  = "BlackCheckResult_Type_AWithB"
	BlackBWithA  = "BlackCheckResult_Type_BWithA"
	BlackBothWay = "BlackCheckResult_Type_BothWay"
)

// CheckResult is one answer of Check or CheckBlacklist.
type CheckResult struct {
	ItemResult
	Relation string
}

// relationNames are the four answers of a check, by (A has B, B has A).
type relationNames [2][2]string

var (
	friendRelations = relationNames{{RelationNone, RelationBWithA}, {RelationAWithB, RelationBothWay}}
	blackRelations  = relationNames{{BlackNone, BlackBWithA}, {BlackAWithB, BlackBothWay}}
)

// name answers a relation; a single check (both false) looks only at A's
// side, so B's is reported as absent.
func (n relationNames) name(r store.Relation, both bool) string {
	if !both {
		r.BHasA = false
	}
	return n[b2i(r.AHasB)][b2i(r.BHasA)]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Check answers how from relates to each of peers: single (both false)
// whether from has each peer (AWithB or NoRelation), both the four
// relations. Items: 0, 30001 invalid, 30003 not an account.
func (s *Service) Check(ctx context.Context, sdkAppID uint64, from string, peers []string, both bool) ([]CheckResult, error) {
	return s.check(ctx, sdkAppID, from, peers, both, s.store.FriendRelations, friendRelations)
}

// CheckBlacklist answers whether from blocks each of peers (and, with
// both, whether each blocks from), with the BlackCheckResult_Type_ names.
func (s *Service) CheckBlacklist(ctx context.Context, sdkAppID uint64, from string, peers []string, both bool) ([]CheckResult, error) {
	return s.check(ctx, sdkAppID, from, peers, both, s.store.BlacklistRelations, blackRelations)
}

func (s *Service) check(ctx context.Context, sdkAppID uint64, from string, peers []string, both bool,
	read func(context.Context, uint64, string, []string) (map[string]store.Relation, error), names relationNames) ([]CheckResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("UserIDs", len(peers), MaxBatch); err != nil {
		return nil, err
	}
	items, err := s.peerResults(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, err
	}
	rels, err := read(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, internal("check relations", sdkAppID, from, err)
	}
	out := make([]CheckResult, len(peers))
	for i, it := range items {
		out[i] = CheckResult{ItemResult: it, Relation: names.name(store.Relation{}, both)}
		if it.Code == 0 {
			out[i].Relation = names.name(rels[it.UserID], both)
		}
	}
	return out, nil
}

// Entry is one friend with their fields.
type Entry struct {
	UserID string
	Fields []Field
}

// Page is one page of a friend list.
type Page struct {
	Friends []Entry
	// Sequence is the owner's relationship sequence, which every change
	// of their friends, lists or blacklist raises.
	Sequence int64
	// Total is how many friends the owner has.
	Total int
	// Next is the StartIndex of the next page; Complete when none.
	Next     int
	Complete bool
}

// Get returns the page of from's friends that starts at start (0 first),
// ordered by when they were added, FriendPageSize at most, with every
// friend tag.
func (s *Service) Get(ctx context.Context, sdkAppID uint64, from string, start int) (Page, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return Page{}, err
	}
	if start < 0 {
		return Page{}, badParam("StartIndex %d is negative", start)
	}
	friends, seq, err := s.store.GetFriends(ctx, sdkAppID, from, nil)
	if err != nil {
		return Page{}, internal("get friends", sdkAppID, from, err)
	}
	p := Page{Sequence: seq, Total: len(friends), Friends: []Entry{}}
	end := min(start+FriendPageSize, len(friends))
	for i := start; i < end; i++ {
		p.Friends = append(p.Friends, Entry{UserID: friends[i].UserID, Fields: fields(friends[i])})
	}
	p.Complete = end >= len(friends)
	if !p.Complete {
		p.Next = end
	}
	return p, nil
}

// ListResult is one answer of GetList.
type ListResult struct {
	ItemResult
	Fields []Field // the requested tags, in request order
}

// GetList returns the requested tags (friend tags and profile tags) of the
// given friends of from: items answer 31704 for a UserID that is not
// from's friend, 30003 for one that is not an account. Call-level: 30001
// no UserIDs or tags, more than MaxAddBatch UserIDs.
func (s *Service) GetList(ctx context.Context, sdkAppID uint64, from string, peers, tags []string) ([]ListResult, error) {
	if err := s.checkCaller(ctx, sdkAppID, from); err != nil {
		return nil, err
	}
	if err := checkBatch("UserIDs", len(peers), MaxAddBatch); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, badParam("no tags given")
	}
	items, err := s.peerResults(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, err
	}
	friends, _, err := s.store.GetFriends(ctx, sdkAppID, from, peers)
	if err != nil {
		return nil, internal("get friends", sdkAppID, from, err)
	}
	byID := make(map[string]store.Friend, len(friends))
	for _, f := range friends {
		byID[f.UserID] = f
	}
	var profileTags []string
	for _, t := range tags {
		if strings.HasPrefix(t, "Tag_Profile_") {
			profileTags = append(profileTags, t)
		}
	}
	var profiles map[string]map[string]json.RawMessage
	if len(profileTags) > 0 {
		if profiles, err = s.accounts.ProfileValues(ctx, sdkAppID, peers, profileTags); err != nil {
			return nil, err // the account service's error (40009 for an unknown tag)
		}
	}
	out := make([]ListResult, len(peers))
	for i, it := range items {
		out[i] = ListResult{ItemResult: it, Fields: []Field{}}
		f, ok := byID[it.UserID]
		if it.Code != 0 {
			continue
		}
		if !ok {
			out[i].ItemResult = result(it.UserID, store.FriendMissing)
			continue
		}
		out[i].Fields = pick(tags, fields(f), profiles[it.UserID])
	}
	return out, nil
}

// pick answers tags from a friend's fields and profile values, in tags'
// order; a custom friend tag never set answers "", an unknown tag nothing.
func pick(tags []string, friendFields []Field, profile map[string]json.RawMessage) []Field {
	byTag := make(map[string]json.RawMessage, len(friendFields)+len(profile))
	for _, f := range friendFields {
		byTag[f.Tag] = f.Value
	}
	for t, v := range profile {
		byTag[t] = v
	}
	out := []Field{}
	for _, t := range tags {
		v, ok := byTag[t]
		if !ok && strings.HasPrefix(t, CustomTagPrefix) {
			v, ok = json.RawMessage(`""`), true
		}
		if ok {
			out = append(out, Field{Tag: t, Value: v})
		}
	}
	return out
}
