package duplicate

// WhileRescoring makes fn run during every background rescore of s, after
// its comparing and before its writing.
func WhileRescoring(s *Service, fn func()) { s.compared = fn }

// SetWriteChunk makes a rescore write n rows a step; it returns the old n.
func SetWriteChunk(n int) int {
	old := writeChunk
	writeChunk = n
	return old
}

// SetBulkKeys changes how many keys a rebuild writes before it builds
// their index by record after them; it returns the function that restores
// it.
func SetBulkKeys(n int) func() {
	old := bulkKeys
	bulkKeys = n
	return func() { bulkKeys = old }
}

// SetCompareParts makes a rescore compare parts of about records records
// and read keys keys a query; it returns the function that restores them.
func SetCompareParts(records, keys int) func() {
	oldRecords, oldKeys := compareRecords, keysPage
	compareRecords, keysPage = records, keys
	return func() { compareRecords, keysPage = oldRecords, oldKeys }
}
