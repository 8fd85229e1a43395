package web

import "github.com/rapport-crm/rapport/internal/locale"

// The words of the reports, each key written out whole so that the
// catalogue's tests see where it is used.

// reportTitle is the title of one of reportNames.
func standardReportTitle(p *locale.Printer, name string) string {
	switch name {
	case "summary":
		return p.T("web.reports.summary.title")
	case "funnel":
		return p.T("web.reports.funnel.title")
	case "cycle":
		return p.T("web.reports.cycle.title")
	case "revenue":
		return p.T("web.reports.revenue.title")
	case "employees":
		return p.T("web.reports.employees.title")
	case "events":
		return p.T("web.reports.events.title")
	}
	return name
}

// reportText says what one of reportNames shows.
func reportText(p *locale.Printer, name string) string {
	switch name {
	case "summary":
		return p.T("web.reports.summary.text")
	case "funnel":
		return p.T("web.reports.funnel.text")
	case "cycle":
		return p.T("web.reports.cycle.text")
	case "revenue":
		return p.T("web.reports.revenue.text")
	case "employees":
		return p.T("web.reports.employees.text")
	case "events":
		return p.T("web.reports.events.text")
	}
	return ""
}

// presetLabel names one of report.Presets.
func presetLabel(p *locale.Printer, preset string) string {
	switch preset {
	case "this_month":
		return p.T("web.reports.preset.this_month")
	case "last_month":
		return p.T("web.reports.preset.last_month")
	case "this_quarter":
		return p.T("web.reports.preset.this_quarter")
	case "this_year":
		return p.T("web.reports.preset.this_year")
	case "last_year":
		return p.T("web.reports.preset.last_year")
	}
	return preset
}

// groupingLabel names one of report.Groupings.
func groupingLabel(p *locale.Printer, by string) string {
	switch by {
	case "day":
		return p.T("web.reports.by.day")
	case "week":
		return p.T("web.reports.by.week")
	case "month":
		return p.T("web.reports.by.month")
	case "quarter":
		return p.T("web.reports.by.quarter")
	case "user":
		return p.T("web.reports.by.user")
	case "team":
		return p.T("web.reports.by.team")
	case "source":
		return p.T("web.reports.by.source")
	case "product": // kpis
		return p.T("web.kpis.by.product")
	}
	return by
}

// employeeColumns are the by-employee report's column heads, in order.
func employeeColumns(p *locale.Printer) []string {
	return []string{
		p.T("web.reports.employees.created"), p.T("web.reports.employees.moved"),
		p.T("web.reports.employees.won"), p.T("web.reports.employees.lost"),
		p.T("web.reports.employees.won_sum"), p.T("web.reports.employees.tasks_done"),
		p.T("web.reports.employees.tasks_overdue"), p.T("web.reports.employees.calls_made"),
		p.T("web.reports.employees.calls_received"), p.T("web.reports.employees.notes"),
		p.T("web.reports.employees.response"),
	}
}
