package tabular

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
)

// Signatures of files people upload instead of a spreadsheet we read.
var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") // .xls, .doc, encrypted .xlsx
)

// sniffFormat tells XLSX from CSV by content, whatever the file's name:
// an XLSX file is a ZIP archive holding xl/workbook.xml. Other archives
// and the old binary Office format are refused by name.
func sniffFormat(r io.ReaderAt, size int64, name string, given Format) (Format, error) {
	switch given {
	case CSV, XLSX:
		return given, nil
	case "":
	default:
		return "", fmt.Errorf("%w: format %q (choose csv or xlsx)", ErrFormat, given)
	}
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, zipMagic):
		return sniffZip(r, size, name)
	case bytes.HasPrefix(head, oleMagic):
		return "", fmt.Errorf("%w: %s is an Excel 97–2003 workbook (.xls) or a password-protected one; save it as .xlsx or CSV", ErrFormat, name)
	}
	return CSV, nil
}

func sniffZip(r io.ReaderAt, size int64, name string) (Format, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return "", fmt.Errorf("%w: %s starts like a ZIP archive but cannot be opened: %v", ErrFormat, name, err)
	}
	for _, f := range z.File {
		switch f.Name {
		case "xl/workbook.xml":
			return XLSX, nil
		case "content.xml":
			return "", fmt.Errorf("%w: %s is an OpenDocument file; save it as .xlsx or CSV", ErrFormat, name)
		}
	}
	return "", fmt.Errorf("%w: %s is a ZIP archive, not an XLSX workbook", ErrFormat, name)
}

// checkText refuses a sample that is not text: a NUL byte, which no
// single-byte or UTF-8 text holds, or many control characters.
func checkText(sample []byte, name string) error {
	if i := bytes.IndexByte(sample, 0); i >= 0 {
		return fmt.Errorf("%w: %s holds a NUL byte at offset %d; it is not CSV text (UTF-16 needs its byte order mark)", ErrBinary, name, i)
	}
	controls := 0
	for _, b := range sample {
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' {
			controls++
		}
	}
	if controls > 0 && controls*100 > len(sample) {
		return fmt.Errorf("%w: %s is mostly control characters; it is not CSV text", ErrBinary, name)
	}
	return nil
}
