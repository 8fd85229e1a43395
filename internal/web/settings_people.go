package web

// peopleSettings are the settings index's links to the people side of
// settings (users, teams, roles, tokens, the audit trail, jobs). It is
// empty here; the pages of that side fill it as they are added.
var peopleSettings []settingsLink
