package api

import "net/http"

// activityRoutes adds the endpoints of notifications and timelines.
func (s *Server) activityRoutes(route func(string, http.HandlerFunc)) {}
