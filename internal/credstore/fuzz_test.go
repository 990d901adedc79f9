package credstore

import (
	"bytes"
	"testing"
)

// FuzzCacheDecoding: whatever the cache file holds, reading it fails cleanly
// or gives back what was written.
func FuzzCacheDecoding(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	sealed, _ := encrypt(key, []byte(`{"AccessToken":{}}`))
	for _, s := range [][]byte{sealed, nil, {1}, {2, 0, 0}, bytes.Repeat([]byte{1}, 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		plain, err := decrypt(key, data)
		if err != nil {
			return
		}
		again, err := encrypt(key, plain)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := decrypt(key, again); err != nil || !bytes.Equal(back, plain) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
