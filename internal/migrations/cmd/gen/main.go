// Command gen writes a new goose migration for every dialect whose existing
// migrations do not produce the current Ent schema:
//
//	go run ./internal/migrations/cmd/gen -name add_device_color
//
// The existing migrations are replayed on a scratch database (a temporary
// PostgreSQL database that is dropped afterwards, and a temporary SQLite
// file) and compared with the Ent schema. When they match, nothing is
// written. Review the new file before committing it, together with the
// updated atlas.sum.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/migrations/internal/schemadiff"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	pgURL := os.Getenv(schemadiff.PostgresURLEnv)
	if pgURL == "" {
		pgURL = schemadiff.DefaultPostgresURL
	}
	name := flag.String("name", "", "name of the change, e.g. add_device_color (required)")
	dialects := flag.String("dialect", strings.Join(schemadiff.Dialects, ","), "comma-separated dialects to generate for")
	flag.StringVar(&pgURL, "postgres", pgURL, "PostgreSQL admin URL; a scratch database is created and dropped there (env "+schemadiff.PostgresURLEnv+")")
	root := flag.String("dir", "", "folder holding the dialect folders (default: internal/migrations of the enclosing module)")
	flag.Parse()
	if *name == "" || flag.NArg() > 0 {
		flag.Usage()
		return errors.New("-name is required")
	}
	if err := schemadiff.ValidName(*name); err != nil {
		return err
	}
	if *root == "" {
		var err error
		if *root, err = findRoot(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// One version for every dialect, in the format of Atlas' goose
	// formatter: the UTC time of the run.
	version, err := strconv.ParseInt(time.Now().UTC().Format("20060102150405"), 10, 64)
	if err != nil {
		return err
	}
	for _, d := range strings.Split(*dialects, ",") {
		d = strings.TrimSpace(d)
		dir := filepath.Join(*root, d)
		files, err := schemadiff.Plan(ctx, d, dir, *name, schemadiff.Options{PostgresURL: pgURL, Version: version})
		if err != nil {
			return err
		}
		if len(files) == 0 {
			fmt.Printf("%s: no schema change, nothing written\n", d)
			continue
		}
		if err := schemadiff.Write(dir, files); err != nil {
			return err
		}
		for _, f := range files {
			fmt.Printf("%s: wrote %s\n", d, filepath.Join(dir, f.Name))
		}
	}
	return nil
}

// findRoot returns internal/migrations of the module enclosing the working
// directory.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			root := filepath.Join(dir, "internal", "migrations")
			if _, err := os.Stat(root); err != nil {
				return "", fmt.Errorf("no internal/migrations in module at %s: %w", dir, err)
			}
			return root, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above the working directory; pass -dir")
		}
		dir = parent
	}
}
