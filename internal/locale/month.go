package locale

import (
	"strconv"
	"time"
)

// Month names the month of t, abbreviated as the language abbreviates it,
// with its year ("Dec 2026", "дек. 2026"): the label of a month in a
// report.
func (p *Printer) Month(t time.Time) string {
	return p.format.dates.MonthAbbreviated(t.Month()) + " " + strconv.Itoa(t.Year())
}
