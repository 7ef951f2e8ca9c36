package gateway

import (
	"reflect"
	"strings"
	"testing"

	"github.com/parley-im/parley/pkg/protocol"
)

// TestLenientRequestsFollowProtocol checks that the structs the handlers
// decode leniently read only fields of the protocol's request structs, so
// that the two cannot drift apart.
func TestLenientRequestsFollowProtocol(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lenient, spec any
	}{
		{sendC2CRequest{}, protocol.SendC2CRequest{}},
		{syncRequest{}, protocol.SyncRequest{}},
		{historyRequest{}, protocol.HistoryRequest{}},
		{msgRef{}, protocol.ModifyRequest{}},
		{protocol.RevokeRequest{}, msgRef{}},
	}
	for _, c := range cases {
		spec := jsonNames(reflect.TypeOf(c.spec))
		for name := range jsonNames(reflect.TypeOf(c.lenient)) {
			if !spec[name] {
				t.Errorf("%T reads %q, which %T does not have", c.lenient, name, c.spec)
			}
		}
	}
}

func jsonNames(typ reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names[name] = true
	}
	return names
}
