package patapi

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkDecodePage100(b *testing.B) {
	var items []string
	for i := 0; i < 100; i++ {
		items = append(items, fmt.Sprintf(`{"displayName":"token-%03d","validTo":"2026-12-22T10:04:05.3233333Z","scope":"vso.code vso.work_write","targetAccounts":["38aaa865-2c70-4bf7-a308-0c6539c38c1a"],"validFrom":"2026-11-22T10:04:05.1033333Z","authorizationId":"4ab5764f-4193-4f1d-b995-%012d","token":null}`, i, i))
	}
	body := []byte(`{"continuationToken":"eyJmIjoiYWN0aXZlIn0","patTokens":[` + strings.Join(items, ",") + `]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var page pagedPatTokens
		if err := decode(200, body, &page); err != nil || len(page.PatTokens) != 100 {
			b.Fatal(err)
		}
	}
}
