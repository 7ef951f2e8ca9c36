package restapi

import (
	"errors"

	"github.com/parley-im/parley/internal/im"
)

// serviceKind names a row of serviceCodes: a REST service and a kind of
// failure.
type serviceKind struct {
	service string
	kind    im.Kind
}

// serviceCodes is the REST edge's one table from errors to wire codes,
// for the services whose code for a kind differs from the code the
// domain service returned (the error's default code, which every other
// call answers). The recent-contact commands are served by the
// conversation service, which speaks the account service's codes (70107,
// 70402); an internal failure answers the internal-error code of the
// service the call named, or 70500 for services without a row.
var serviceCodes = map[serviceKind]int{
	{"recentcontact", im.KindAccountNotFound}: im.CodeRecentContactNoAccount,
	{"recentcontact", im.KindInvalid}:         im.CodeRecentContactBadParams,
	{"recentcontact", im.KindInternal}:        im.CodeRecentContactInternal,
	{"profile", im.KindInternal}:              im.CodeProfileInternal,
	{"openim", im.KindInternal}:               im.CodeMsgInternal,
	{"group_open_http_svc", im.KindInternal}:  im.CodeGroupInternal,
	{"sns", im.KindInternal}:                  im.CodeSNSInternal,
}

// commandError returns the *im.Error a command of service answers for
// err, re-coded for the service when serviceCodes says so, or err itself
// when it carries no *im.Error (an internal failure, which outcome
// answers). Only a command's own errors are re-coded: the envelope's
// checks (URL, UserSig, admin, rate) answer the same codes in every
// service.
func commandError(service string, err error) error {
	var e *im.Error
	if !errors.As(err, &e) {
		return err
	}
	if code, ok := serviceCodes[serviceKind{service, e.Kind}]; ok && code != e.Code {
		return &im.Error{Kind: e.Kind, Code: code, Info: e.Info}
	}
	return e
}

// internalCode is the code an internal failure of a call to service
// answers.
func internalCode(service string) int {
	if code, ok := serviceCodes[serviceKind{service, im.KindInternal}]; ok {
		return code
	}
	return im.CodeInternal
}
