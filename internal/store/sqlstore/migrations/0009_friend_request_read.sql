-- A pending friend request is unread until its target marks it read
-- (store.Friends.MarkFriendRequestsRead); refreshing a request (the
-- requester asks again, with new wording) makes it unread again. Only the
-- target's view carries the flag, so it lives on the request row and goes
-- with it when the request is answered or ended.
ALTER TABLE friend_requests ADD COLUMN is_read BOOLEAN NOT NULL DEFAULT FALSE;
