package web

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/records"
)

// exportLink is one format a list offers to download itself in.
type exportLink struct {
	Label string
	Href  string
}

// exportLinks are the downloads of the list as it is shown (its filter,
// sort and columns), or none when the role may not export the object.
func (s *Server) exportLinks(r *http.Request, v *visit, st *listState) []exportLink {
	a, err := access.ActorFrom(r.Context())
	obj := s.engine.Object(st.view.plural)
	if err != nil || obj == nil || s.engine.Policy().Authorize(r.Context(), a, obj.Grant(), access.Export, nil) != nil {
		return nil
	}
	labels := map[string]string{"csv": v.p.T("web.lists.export_csv"), "xlsx": v.p.T("web.lists.export_xlsx"),
		"json": v.p.T("web.lists.export_json"), "vcf": v.p.T("web.lists.export_vcf")}
	var out []exportLink
	for _, f := range export.Formats {
		if f == "vcf" && obj.Name != "contact" {
			continue
		}
		out = append(out, exportLink{Label: labels[f], Href: st.q.address(st.view.plural+"/export", "format", f)})
	}
	return out
}

// exportList downloads a list as its address shows it: the filter, the
// sort and the columns (those that are fields; the record's name first).
func (s *Server) exportList(w http.ResponseWriter, r *http.Request, v *visit) {
	st, err := s.listState(r, parseListQuery(r.URL.Query()))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	filter, _ := st.q.filter(st.fields, v.location())
	req := export.Request{Object: st.view.plural, Format: r.URL.Query().Get("format"),
		Query: records.Query{Filter: filter, Sort: []string{st.q.Sort}}}
	// A vCard holds its own fields, whatever the columns shown.
	for _, c := range st.cols {
		if st.fields[c] != nil && req.Format != "vcf" {
			req.Columns = append(req.Columns, c)
		}
	}
	if _, err := export.Check(r.Context(), s.engine, req); err != nil {
		s.fail(w, r, v, err)
		return
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	w.Header().Set("Content-Type", export.ContentTypes[req.Format])
	w.Header().Set("Content-Disposition", `attachment; filename="`+st.view.plural+"."+req.Format+`"`)
	if _, err := export.Write(r.Context(), s.db, s.engine, req, w); err != nil {
		s.logger(r).Warn("export cut short", "object", req.Object, "err", err)
		panic(http.ErrAbortHandler)
	}
}
