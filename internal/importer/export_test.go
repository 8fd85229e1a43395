package importer

// SetBulkBytes changes the file size from which an import may build its
// table's indexes at the end, and returns the function that restores it.
func SetBulkBytes(n int64) func() {
	old := bulkBytes
	bulkBytes = n
	return func() { bulkBytes = old }
}

// SetAnalyzeRows changes how many records an import on PostgreSQL must
// write to gather statistics, and returns the function that restores it.
func SetAnalyzeRows(n int) func() {
	old := analyzeRows
	analyzeRows = n
	return func() { analyzeRows = old }
}
