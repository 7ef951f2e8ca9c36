package parley_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// standaloneTest is this file, the one place allowed to name the pointers.
const standaloneTest = "standalone_test.go"

// outsidePointers are references to files that sit beside the repository
// in the team's workspace (shared notes, the reference's spec, the style
// guide) and that a reader of the repository does not have. The docs and
// comments state the facts themselves instead.
var outsidePointers = []string{
	"../shared",
	"shared/perf",
	"shared/spec",
	"reference-api.md",
	"perf-notes.md",
	"requirements.md",
	"STYLE.md",
	"ARCHITECTURE.md", // case matters: docs/architecture.md is the repository's own
}

// outsidePointer returns the first outside pointer in line, or "". A bare
// file name stops counting once the repository holds a file of that name
// (inRepo), since a pointer to it can then be followed.
func outsidePointer(line string, inRepo map[string]bool) string {
	for _, p := range outsidePointers {
		if strings.Contains(line, p) && !inRepo[p] {
			return p
		}
	}
	return ""
}

// TestNoPointersOutsideRepository fails when a document, comment or
// migration refers to a file outside the repository, so that the
// repository stands alone.
func TestNoPointersOutsideRepository(t *testing.T) {
	t.Parallel()
	files := repositoryFiles(t)
	inRepo := map[string]bool{}
	for _, f := range files {
		inRepo[filepath.Base(f)] = true
	}
	checked := 0
	for _, f := range files {
		if f == standaloneTest {
			continue
		}
		switch filepath.Ext(f) {
		case ".go", ".md", ".sql":
		default:
			continue
		}
		data, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // deleted in the working tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for i, line := range bytes.Split(data, []byte("\n")) {
			if p := outsidePointer(string(line), inRepo); p != "" {
				t.Errorf("%s:%d points outside the repository (%q): state the fact in the project's own words instead\n\t%s",
					f, i+1, p, bytes.TrimSpace(line))
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: is the file list working?", checked)
	}
}

// repositoryFiles lists the files git tracks, or, outside a git checkout
// (a module download), every file under the current directory.
func repositoryFiles(t *testing.T) []string {
	t.Helper()
	if out, err := exec.Command("git", "ls-files", "-z").Output(); err == nil && len(out) > 0 {
		return strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	}
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestOutsidePointer(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line   string
		inRepo []string
		want   string
	}{
		{"See `../shared/ARCHITECTURE.md` for the design", nil, "../shared"},
		{"// batch (perf-notes.md: ~100 messages per commit)", nil, "perf-notes.md"},
		{"// The openim commands (reference-api.md §3.2)", nil, "reference-api.md"},
		{"the goals in shared/perf-notes.md", nil, "shared/perf"},
		{"per ARCHITECTURE.md", nil, "ARCHITECTURE.md"},
		{"per ARCHITECTURE.md", []string{"ARCHITECTURE.md"}, ""},
		{"The design is in [docs/architecture.md](docs/architecture.md)", nil, ""},
		{"docs/decisions/0005-write-path.md and CLUSTER.md", nil, ""},
		{"the reference's error tables", nil, ""},
	}
	for _, c := range cases {
		inRepo := map[string]bool{}
		for _, name := range c.inRepo {
			inRepo[name] = true
		}
		if got := outsidePointer(c.line, inRepo); got != c.want {
			t.Errorf("outsidePointer(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}
