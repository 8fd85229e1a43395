package export

import (
	"context"
	"io"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/vcard"
)

// vcfWriter writes one vCard 4.0 per contact: the fields a vCard carries
// that the role reads, and the name of the first linked company the
// caller may read as its organisation. The notes about a contact, which
// its own vCard download carries, are left out here: a query per contact
// would make a large export many times slower.
type vcfWriter struct {
	ctx context.Context
	e   *records.Engine
	w   io.Writer
	// companies caches each company's name as the caller may read it (""
	// when hidden), for the many contacts of one company.
	companies map[string]string
}

// maxCompanies bounds the cache, so that memory stays flat whatever the
// number of companies.
const maxCompanies = 10000

func (v *vcfWriter) record(rec records.Record) error {
	c, err := vcard.FromRecord(rec)
	if err != nil {
		return err
	}
	if c.Organization, err = v.company(rec); err != nil {
		return err
	}
	return vcard.Write(v.w, c, "4.0")
}

// company is the name of the first company of rec the caller may read.
func (v *vcfWriter) company(rec records.Record) (string, error) {
	links, _ := rec["companies"].([]records.LinkRef)
	for _, l := range links {
		name, ok := v.companies[l.ID]
		if !ok {
			company, err := v.e.Get(v.ctx, "company", l.ID, false)
			switch {
			case fault.Is(err, fault.ENOTFOUND) || fault.Is(err, fault.EFORBIDDEN):
			case err != nil:
				return "", err
			default:
				name, _ = company["name"].(string)
			}
			if len(v.companies) == maxCompanies {
				clear(v.companies)
			}
			v.companies[l.ID] = name
		}
		if name != "" {
			return name, nil
		}
	}
	return "", nil
}

func (v *vcfWriter) close() error { return nil }
