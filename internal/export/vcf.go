package export

import (
	"io"

	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// vcfWriter writes one vCard 4.0 per contact: the fields a vCard carries
// that the role reads, and the name of the first linked company the
// caller may read as its organisation. The notes about a contact, which
// its own vCard download carries, are left out here: a query per contact
// would make a large export many times slower.
type vcfWriter struct {
	w    io.Writer
	orgs *vcard.Organizations
}

// page reads the names of the page's companies in a few lists, rather
// than one read per company.
func (v *vcfWriter) page(recs []records.Record) error { return v.orgs.Prefetch(recs) }

func (v *vcfWriter) record(rec records.Record) error {
	c, err := vcard.FromRecord(rec)
	if err != nil {
		return err
	}
	if c.Organization, err = v.orgs.Of(rec); err != nil {
		return err
	}
	return vcard.Write(v.w, c, "4.0")
}

func (v *vcfWriter) close() error { return nil }
