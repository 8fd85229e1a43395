package backup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Table reads the rows of one table out of the backup r, each as a map
// from column name to value (numbers as json.Number), after checking the
// whole file as a restore does: its format, its checksum and its trailer.
// A table the backup does not hold has no rows. The SQLite file of a
// backup of SQLite is unpacked into os.TempDir to be read.
func Table(r io.Reader, name string) ([]map[string]any, error) {
	b, err := open(r)
	if err != nil {
		return nil, err
	}
	defer b.close()
	if b.h.Content == contentSQLite {
		return fileTable(b, name)
	}
	lr := b.lr
	var out []map[string]any
	var cols []string // the columns of the table being read, nil for others
	for {
		line, err := lr.read()
		if err != nil {
			return nil, err
		}
		if len(line) > 0 && line[0] == '[' {
			lr.consume(line)
			if cols == nil {
				continue
			}
			var vals []any
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			if err := dec.Decode(&vals); err != nil || len(vals) != len(cols) {
				return nil, fmt.Errorf("%w: a row of %s that does not fit its columns", ErrCorrupt, name)
			}
			row := make(map[string]any, len(cols))
			for i, c := range cols {
				row[c] = vals[i]
			}
			out = append(out, row)
			continue
		}
		var m marker
		if err := json.Unmarshal(line, &m); err != nil {
			return nil, fmt.Errorf("%w: a line that is not a row, a table or a trailer", ErrCorrupt)
		}
		if m.Trailer != nil {
			if m.Trailer.SHA256 != lr.checksum() {
				return nil, fmt.Errorf("%w: its checksum does not match its content", ErrCorrupt)
			}
			return out, drain(b.rest)
		}
		lr.consume(line)
		cols = nil
		if m.Table == name {
			cols = m.Columns
		}
	}
}
