package web

// peopleSettings are the settings index's entries of people and security:
// their titles and leads are catalogue keys, the same as the pages'.
var peopleSettings = []settingsLink{
	{Href: "/settings/users", Title: "web.people.users.title", Text: "web.people.users.lead"},
	{Href: "/settings/teams", Title: "web.people.teams.title", Text: "web.people.teams.lead"},
	{Href: "/settings/roles", Title: "web.people.roles.title", Text: "web.people.roles.lead"},
	{Href: "/settings/tokens", Title: "web.people.tokens.title", Text: "web.people.tokens.lead"},
	{Href: "/settings/audit", Title: "web.people.audit.title", Text: "web.people.audit.lead"},
	{Href: "/settings/jobs", Title: "web.people.jobs.title", Text: "web.people.jobs.lead"},
}
