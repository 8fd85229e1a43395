package importer

import (
	"context"
	"io"
	"sync/atomic"
)

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

// SetExternalsChunk changes how many new external ids an import gathers
// before it writes them, and returns the function that restores it.
func SetExternalsChunk(n int) func() {
	old := externalsChunk
	externalsChunk = n
	return func() { externalsChunk = old }
}

// CountCounts makes the import count how many times it counts a file's
// rows into n, and returns the function that restores the counter.
func CountCounts(n *atomic.Int32) func() {
	old := countRows
	countRows = func(ctx context.Context, src io.ReaderAt, size int64, opts Options) int64 {
		n.Add(1)
		return old(ctx, src, size, opts)
	}
	return func() { countRows = old }
}
