package credstore

import (
	"bytes"
	"testing"
)

// A cache of one account is about 7 KB.
var cacheBlob = bytes.Repeat([]byte(`{"AccessToken":{"k":{"secret":"eyJ0eXAiOiJKV1Qi"}}}`), 140)

func BenchmarkEncryptCache(b *testing.B) {
	key := bytes.Repeat([]byte{1}, 32)
	b.SetBytes(int64(len(cacheBlob)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := encrypt(key, cacheBlob); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptCache(b *testing.B) {
	key := bytes.Repeat([]byte{1}, 32)
	sealed, _ := encrypt(key, cacheBlob)
	b.SetBytes(int64(len(cacheBlob)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := decrypt(key, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
