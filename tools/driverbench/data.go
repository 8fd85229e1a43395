package main

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// The generated contacts are deterministic: contact id N has the same values
// for both drivers, and the random lookups use fixed seeds, so the two
// drivers do exactly the same work.

var (
	firstNames = []string{"Anna", "Ben", "Chloé", "Daniel", "Elif", "Farid", "Grace", "Hiro",
		"Ines", "Jonas", "Kateřina", "Liam", "Maria", "Noah", "Olga", "Pedro"}
	lastNames = []string{"Adams", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "García",
		"Horvat", "Ivanova", "Jansen", "Kowalski", "Larsen", "Müller", "Nowak", "O'Brien",
		"Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Yilmaz", "Zhang"}
	// sources and tiers are what the list page filters on; 8 x 4 values
	// means about 1 in 32 contacts of a workspace match a filter.
	sources = []string{"web", "email", "call", "referral", "import", "api", "event", "chat"}
	tiers   = []string{"free", "basic", "pro", "enterprise"}
	epoch   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// contact holds one scanned row; dest lists its fields in column order.
type contact struct {
	workspaceID, id, version                  int64
	first, last, full, emails, phones, source string
	custom, createdAt, updatedAt              string
}

func (c *contact) dest() []any {
	return []any{&c.workspaceID, &c.id, &c.version, &c.first, &c.last, &c.full,
		&c.emails, &c.phones, &c.source, &c.custom, &c.createdAt, &c.updatedAt}
}

// workspaceOf spreads ids round-robin over the workspaces, so a lookup can
// compute the workspace of a random id without asking the database.
func workspaceOf(id int64, workspaces int) int64 { return id%int64(workspaces) + 1 }

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }

// contactArgs returns the insert arguments for contact id.
func contactArgs(id int64, workspaces int) []any {
	rng := rand.New(rand.NewPCG(1, uint64(id)))
	first := firstNames[rng.IntN(len(firstNames))]
	last := lastNames[rng.IntN(len(lastNames))]
	created := epoch.Add(time.Duration(id) * time.Second)
	return []any{
		workspaceOf(id, workspaces),
		id,
		int64(1), // version
		first,
		last,
		first + " " + last,
		fmt.Sprintf(`["contact%d@example.com"]`, id),
		fmt.Sprintf(`["+4930%08d"]`, id),
		sources[rng.IntN(len(sources))],
		fmt.Sprintf(`{"tier":%q,"score":%d}`, tiers[rng.IntN(len(tiers))], rng.IntN(100)),
		created.Format(time.RFC3339),
		created.Add(time.Duration(rng.IntN(86400)) * time.Second).Format(time.RFC3339),
	}
}
