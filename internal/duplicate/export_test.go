package duplicate

// WhileRescoring makes fn run during every background rescore of s, after
// its comparing and before its writing.
func WhileRescoring(s *Service, fn func()) { s.compared = fn }
