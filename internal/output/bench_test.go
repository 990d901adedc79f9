package output

import (
	"fmt"
	"io"
	"testing"
	"time"
)

func BenchmarkTable100(b *testing.B) {
	now := time.Now()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		t := NewTable(io.Discard, true, "NAME", "ID", "SCOPES", "EXPIRES")
		for r := 0; r < 100; r++ {
			t.AddRow(fmt.Sprintf("token-%03d", r), "4ab5764f-4193-4f1d-b995-64144880b7d7", "vso.code vso.work_write", Moment(now.Add(time.Duration(r)*time.Hour), true, now))
		}
		if err := t.Render(); err != nil {
			b.Fatal(err)
		}
	}
}
