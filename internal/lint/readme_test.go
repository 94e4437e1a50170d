package lint

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README's Go snippets are fragments of a function body. Each is
// type-checked as written against the module's packages, so a renamed
// function or a changed signature breaks this test rather than a reader's
// first build. A snippet may name variables it does not declare (the rule
// set's body, a context) in an HTML comment on the line before its fence:
//
//	<!-- given: body []byte; ctx context.Context -->
//
// Only "declared and not used" and unused-import errors are forgiven, since
// a fragment stops before it uses everything.

// snippetImports are the packages a snippet may use without importing.
var snippetImports = map[string]string{
	"bytes":    "bytes",
	"context":  "context",
	"json":     "encoding/json",
	"errors":   "errors",
	"fmt":      "fmt",
	"time":     "time",
	"ticket":   "github.com/matchforge/matchforge/ticket",
	"ruleset":  "github.com/matchforge/matchforge/ruleset",
	"pool":     "github.com/matchforge/matchforge/pool",
	"engine":   "github.com/matchforge/matchforge/engine",
	"gamelift": "github.com/matchforge/matchforge/gamelift",
	"bench":    "github.com/matchforge/matchforge/bench",
	"server":   "github.com/matchforge/matchforge/server",
	// The AWS SDK, as the README shows a client of matchforge serve.
	"awsgamelift": "github.com/aws/aws-sdk-go-v2/service/gamelift",
	"types":       "github.com/aws/aws-sdk-go-v2/service/gamelift/types",
	"aws":         "github.com/aws/aws-sdk-go-v2/aws",
	"credentials": "github.com/aws/aws-sdk-go-v2/credentials",
}

var givenLine = regexp.MustCompile(`^<!--\s*given:\s*(.*?)\s*-->$`)

// readmeSnippet is one ```go block of the README.
type readmeSnippet struct {
	line  int    // of the opening fence
	given string // declarations from the given comment, "; " separated
	body  string
}

func readmeSnippets(t *testing.T, file string) []readmeSnippet {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	var out []readmeSnippet
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		s := readmeSnippet{line: i + 1}
		if i > 0 {
			if m := givenLine.FindStringSubmatch(strings.TrimSpace(lines[i-1])); m != nil {
				s.given = m[1]
			}
		}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		s.body = strings.Join(body, "\n")
		out = append(out, s)
	}
	return out
}

// snippetSource wraps a snippet into a file of package snippet: every
// allowed import, the given variables as parameters, and the snippet as the
// function's body.
func snippetSource(s readmeSnippet) string {
	var b strings.Builder
	b.WriteString("package snippet\n\nimport (\n")
	for _, name := range slices.Sorted(maps.Keys(snippetImports)) {
		fmt.Fprintf(&b, "\t%s %q\n", name, snippetImports[name])
	}
	b.WriteString(")\n\nfunc snippet(")
	if s.given != "" {
		b.WriteString(strings.ReplaceAll(strings.TrimSuffix(s.given, ";"), ";", ","))
	}
	b.WriteString(") {\n")
	b.WriteString(s.body)
	b.WriteString("\n}\n")
	return b.String()
}

// forgiven reports whether a type error is one a fragment may have.
func forgiven(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "declared and not used") || strings.Contains(msg, "imported and not used") ||
		strings.Contains(msg, "imported as") && strings.HasSuffix(msg, "and not used")
}

func TestReadmeSnippetsCompile(t *testing.T) {
	root, _, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	snips := readmeSnippets(t, filepath.Join(root, "README.md"))
	if len(snips) < 3 {
		t.Fatalf("found %d Go snippets in README.md; the embedding section alone has three", len(snips))
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snips {
		t.Run(fmt.Sprintf("line-%d", s.line), func(t *testing.T) {
			fset := token.NewFileSet()
			src := snippetSource(s)
			file, err := parser.ParseFile(fset, "README.md", src, 0)
			if err != nil {
				t.Fatalf("README.md:%d: the snippet does not parse as a function body: %v\n%s", s.line, err, src)
			}
			var problems []string
			conf := types.Config{
				Importer: importerFunc(func(path, _ string, mode types.ImportMode) (*types.Package, error) {
					return sharedImp.ImportFrom(path, abs, mode)
				}),
				Error: func(err error) {
					if !forgiven(err) {
						problems = append(problems, err.Error())
					}
				},
			}
			conf.Check("snippet", fset, []*ast.File{file}, nil)
			for _, p := range problems {
				t.Errorf("README.md snippet at line %d: %s", s.line, p)
			}
		})
	}
}

// TestReadmeSnippetCheckerFails makes sure the check can fail: a snippet
// calling a function that does not exist is refused.
func TestReadmeSnippetCheckerFails(t *testing.T) {
	root, _, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(root)
	src := snippetSource(readmeSnippet{given: "body []byte", body: "rs, err := ruleset.LoadFast(body)"})
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	conf := types.Config{
		Importer: importerFunc(func(path, _ string, mode types.ImportMode) (*types.Package, error) {
			return sharedImp.ImportFrom(path, abs, mode)
		}),
		Error: func(err error) {
			if !forgiven(err) {
				problems = append(problems, err.Error())
			}
		},
	}
	conf.Check("snippet", fset, []*ast.File{file}, nil)
	if len(problems) != 1 || !strings.Contains(problems[0], "LoadFast") {
		t.Errorf("problems = %q; want one naming ruleset.LoadFast", problems)
	}
}
