package web

// settingsLink stands in for the type of settings.go (the settings index,
// built in parallel) until that file is merged; this file goes then.
type settingsLink struct {
	Href, Key string
}

var _ = peopleSettings
