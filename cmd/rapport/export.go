package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/export"
	"github.com/rapport-crm/rapport/internal/records"
)

// exportCmd writes a list to a file or standard output, as the user named
// by --as may export it (their role's scope and field rules), with the
// filter and sort of the API's query string.
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c := newCommand("export", stderr)
	as := c.fs.String("as", "", "e-mail of the user whose permissions the export has")
	object := c.fs.String("object", "contacts", "the list to export")
	format := c.fs.String("format", "csv", "csv, xlsx, json, or vcf for contacts")
	columns := c.fs.String("columns", "", "fields, comma separated; every field the user may read when empty")
	query := c.fs.String("query", "", "filter and sort as in the API, e.g. 'source=referral&sort=-created_at'")
	out := c.fs.String("out", "", "the file to write; standard output when empty")
	if err := c.parse(args, stderr, getenv); err != nil {
		return err
	}
	if *as == "" {
		return fmt.Errorf("say whose permissions the export has with --as")
	}
	values, err := url.ParseQuery(*query)
	if err != nil {
		return fmt.Errorf("--query: %w", err)
	}
	q, err := records.ParseParams(values)
	if err != nil {
		return fmt.Errorf("--query: %w", err)
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if ctx, err = actingAs(ctx, db, *as); err != nil {
		return err
	}
	engine := records.New(db, records.Options{Policy: access.NewRolePolicy(db), Logger: c.log})
	req := export.Request{Object: *object, Format: *format, Query: q}
	if *columns != "" {
		req.Columns = strings.Split(*columns, ",")
	}
	if _, err := export.Check(ctx, engine, req); err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	n, err := export.Write(ctx, db, engine, req, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d %s\n", n, *object)
	return nil
}
