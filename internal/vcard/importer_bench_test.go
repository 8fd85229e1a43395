package vcard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/account"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// BenchmarkImport imports files of 100 vCards (names, two e-mails, a
// phone, an address, one of ten companies, a note) through the engine:
// go test -bench Import -run '^$' ./internal/vcard, with
// RAPPORT_TEST_POSTGRES set for PostgreSQL too.
func BenchmarkImport(b *testing.B) {
	var file strings.Builder
	for i := range 100 {
		fmt.Fprintf(&file, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace%d;Ada\r\nFN:Ada Lovelace%d\r\nEMAIL;TYPE=work:ada%d@example.com\r\n"+
			"EMAIL;TYPE=home:ada%d@example.org\r\nTEL;TYPE=cell:+44 20 7946 %04d\r\nADR;TYPE=work:;;%d Dorset St;London;;W1U 4EG;United Kingdom\r\n"+
			"ORG:Engines %d\r\nNOTE:Met at the Royal Society\\, card %d\r\nEND:VCARD\r\n", i, i, i, i, i, i, i%10, i)
	}
	data := []byte(file.String())
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			db := dbs[name](b)
			ctx := context.Background()
			if _, err := account.New(db).CreateUser(ctx, 1, "ada@example.com", "Ada", "correct horse battery", "administrator"); err != nil {
				b.Fatal(err)
			}
			ctx = access.WithActor(ctx, access.Actor{WorkspaceID: 1, UserID: 1})
			im := vcard.Importer{DB: db, Engine: records.New(db, records.Options{PhoneRegion: "GB"})}
			for b.Loop() {
				if _, err := im.Import(ctx, data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "cards/s")
		})
	}
}
