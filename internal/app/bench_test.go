package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-im/parley/internal/app"
)

// BenchmarkAccountImportHTTP measures account_import through the whole HTTP
// handler (envelope, UserSig check, rate limit, validation, durable SQLite
// write with synchronous=FULL), without the network.
func BenchmarkAccountImportHTTP(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("sqlite-"+sync, func(b *testing.B) {
			a, err := app.New(context.Background(), app.Config{
				DataDir: b.TempDir(), SQLiteSynchronous: sync,
				BootstrapSDKAppID: testAppID, BootstrapKey: testKey,
			}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			tenants := a.Tenants()
			if _, err := tenants.UpdateSettings(context.Background(), testAppID, []byte(`{"RestRateLimit":1000000}`)); err != nil {
				b.Fatal(err)
			}
			url := "/v4/im_open_login_svc/account_import?" + query(testAppID, "administrator", sig(b, "administrator"))
			h := a.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				req := httptest.NewRequest(http.MethodPost, url, strings.NewReader(fmt.Sprintf(`{"UserID":"user%d","Nick":"Nick %d"}`, i, i)))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if !strings.Contains(rec.Body.String(), `"ErrorCode":0`) {
					b.Fatalf("answer: %s", rec.Body.String())
				}
			}
		})
	}
}
