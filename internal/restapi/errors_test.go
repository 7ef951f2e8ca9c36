package restapi

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parley-im/parley/internal/im"
)

// TestServiceCodes: a command's error answers its service's code for the
// error's kind where that service has one, and the domain's own code
// everywhere else; internal failures answer the service's internal code.
func TestServiceCodes(t *testing.T) {
	for _, c := range []struct {
		service string
		err     error
		code    int // 0: not an *im.Error after re-coding
	}{
		// The same "account not found" in each service that returns it.
		{"im_open_login_svc", im.Errorf(im.CodeAccountNotFound, "x"), im.CodeAccountNotFound},
		{"profile", im.Errorf(im.CodeProfileNotFound, "x"), im.CodeProfileNotFound},
		{"openim", im.Errorf(im.CodeMsgToNotRegistered, "x"), im.CodeMsgToNotRegistered},
		{"recentcontact", im.Errorf(im.CodeAccountNotFound, "x"), im.CodeRecentContactNoAccount},
		// admin_set_msg_read is served by the conversation service too and
		// keeps the account service's code under openim.
		{"openim", im.Errorf(im.CodeAccountNotFound, "x"), im.CodeAccountNotFound},
		{"recentcontact", im.Errorf(im.CodeInvalidParameter, "x"), im.CodeRecentContactBadParams},
		{"recentcontact", fmt.Errorf("wrapped: %w", im.Errorf(im.CodeInvalidParameter, "x")), im.CodeRecentContactBadParams},
		// Kinds without a row keep their code.
		{"recentcontact", im.Errorf(im.CodeBatchSize, "x"), im.CodeBatchSize},
		{"recentcontact", im.Errorf(im.CodeRecentContactBadParams, "x"), im.CodeRecentContactBadParams},
		{"openim", im.Errorf(im.CodeC2CRecallTimeLimit, "x"), im.CodeC2CRecallTimeLimit},
		{"openim", errors.New("disk on fire"), 0},
	} {
		got := commandError(c.service, c.err)
		code, _ := im.CodeOf(got)
		if code != c.code {
			t.Errorf("%s: %v answers %d, want %d", c.service, c.err, code, c.code)
		}
		if c.code == 0 && got != c.err {
			t.Errorf("%s: internal error %v became %v", c.service, c.err, got)
		}
	}
	for service, want := range map[string]int{
		"im_open_login_svc":   im.CodeInternal,
		"parley_config":       im.CodeInternal,
		"profile":             im.CodeProfileInternal,
		"openim":              im.CodeMsgInternal,
		"recentcontact":       im.CodeRecentContactInternal,
		"group_open_http_svc": im.CodeGroupInternal,
		"sns":                 im.CodeSNSInternal,
	} {
		if got := internalCode(service); got != want {
			t.Errorf("internal failure of %s answers %d, want %d", service, got, want)
		}
	}
}

// TestServiceCodesKeepInfoAndKind: re-coding changes the code only.
func TestServiceCodesKeepInfoAndKind(t *testing.T) {
	var e *im.Error
	if !errors.As(commandError("recentcontact", im.Errorf(im.CodeAccountNotFound, "account %q does not exist", "ghost")), &e) {
		t.Fatal("not an *im.Error")
	}
	if e.Kind != im.KindAccountNotFound || e.Info != `account "ghost" does not exist` {
		t.Errorf("got %+v", e)
	}
}
