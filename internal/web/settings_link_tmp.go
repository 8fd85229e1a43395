package web

// settingsLink stands in for the type that settings.go (the settings
// index, built in parallel) declares; this file goes when that one is in.
type settingsLink struct {
	Href, Title, Text string
}

var _ = peopleSettings
