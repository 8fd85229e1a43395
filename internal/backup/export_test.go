package backup

import (
	"compress/gzip"
	"context"
	"errors"
	"io"

	"github.com/rapport-crm/rapport/internal/store"
)

// WriteVersion1 writes a backup of db in format 1, gzip JSON lines, as
// rapport wrote them before format 2: they must still restore.
func WriteVersion1(ctx context.Context, db *store.DB, w io.Writer) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	_, err = writeRows(ctx, db, gz, 1)
	return errors.Join(err, gz.Close())
}
