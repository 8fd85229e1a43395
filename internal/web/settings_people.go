package web

// peopleSettings are the settings index's links to the people side of
// settings; each page uses the key of its title as its heading.
var peopleSettings = []settingsLink{
	{Href: "/settings/users", Key: "web.people.users.title"},
	{Href: "/settings/teams", Key: "web.people.teams.title"},
	{Href: "/settings/roles", Key: "web.people.roles.title"},
	{Href: "/settings/tokens", Key: "web.people.tokens.title"},
	{Href: "/settings/audit", Key: "web.people.audit.title"},
	{Href: "/settings/jobs", Key: "web.people.jobs.title"},
	{Href: "/settings/webhooks", Key: "web.webhooks.title"},
}
