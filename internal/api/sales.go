package api

import "net/http"

// salesRoutes adds the endpoints of pipelines, deals, stock and currencies.
func (s *Server) salesRoutes(route func(string, http.HandlerFunc)) {}
