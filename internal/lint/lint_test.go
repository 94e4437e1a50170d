package lint

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The rules' data. Everything the lint allows is written here; see doc.go
// for what each rule means.

// Rule names: each is the name of a subtest of TestLint.
const (
	ruleClock      = "wall-clock"
	ruleGoroutine  = "goroutines"
	ruleRandom     = "global-randomness"
	ruleMapRange   = "map-range"
	ruleDirection  = "imports-direction"
	ruleConfined   = "imports-confined"
	ruleForbidden  = "imports-core-forbidden"
	ruleTypeCheck  = "type-check"
	ruleExceptions = "exceptions"
)

// corePackages are the deterministic core (DESIGN.md, Habit 1): the rules
// wall-clock, goroutines, global-randomness, map-range and
// imports-core-forbidden apply to them and to the packages under their
// internal/ directories.
var corePackages = []string{"ticket", "ruleset", "pool", "engine"}

// exception allows one rule in one file. For wall-clock, names lists the
// time functions allowed (as types.Func.FullName spells them); for the other
// rules names is empty and the whole file is allowed.
type exception struct {
	file   string // slash-separated, relative to the repository root
	rule   string
	names  []string
	reason string
}

// exceptions is the complete list. Keep it short: each entry is a hole in a
// rule. An entry that matches nothing fails the exceptions subtest.
var exceptions = []exception{
	{
		file:   "engine/runner.go",
		rule:   ruleClock,
		names:  []string{"time.Now", "time.NewTicker", "time.NewTimer"},
		reason: "the Runner is the concurrent shell around the deterministic core: it steps the engine every Interval on a ticker, on the real clock (time.Now is the default RunnerOptions.Clock)",
	},
	{
		file:   "engine/runner.go",
		rule:   ruleGoroutine,
		reason: "the Runner owns the goroutines that forward events to subscribers; Run waits for all of them",
	},
}

// clockFuncs are the functions of package time that read or wait on the
// wall clock.
var clockFuncs = []string{"Now", "Since", "Until", "Sleep", "After", "Tick", "NewTimer", "NewTicker"}

// randConstructors are the package-level functions of math/rand and
// math/rand/v2 that build a seeded generator instead of using the global
// one.
var randConstructors = []string{"New", "NewSource", "NewPCG", "NewChaCha8", "NewZipf"}

// mapIterFuncs are the functions of package maps whose iterators run in map
// order.
var mapIterFuncs = []string{"Keys", "Values", "All"}

// mapRangeMarker, in a comment on the line of a range over a map or on the
// line above, says that the loop does not depend on the iteration order.
// The comment must also say why (see hasMarker).
const mapRangeMarker = "order does not matter"

// anyProjectPackage in allowedImports allows every package of the module.
const anyProjectPackage = "*"

// allowedImports is the import graph: for each package of the module
// (relative to the module root), the project packages it may import. Its
// own internal packages are always allowed. A package of the module that is
// missing here fails imports-direction until it is added.
var allowedImports = map[string][]string{
	"ticket":         {"internal/codec"},
	"ruleset":        {"ticket"},
	"pool":           {"ticket"},
	"engine":         {"ticket", "ruleset", "pool", "internal/codec"},
	"gamelift":       {"engine", "ruleset", "ticket", "internal/strictjson"},
	"bench":          {"engine", "gamelift", "ruleset", "ticket", "pool", "internal/strictjson"},
	"cmd/matchforge": {anyProjectPackage},
	// The HTTP server around the service, and the protocol pieces it uses.
	"server":   {"gamelift", "engine", "oplog", "internal/codec", "internal/rpcv2", "internal/sigv4", "internal/strictjson", "bench", "internal/loadgen", "ticket"}, // bench, loadgen and ticket in its tests only
	"examples": {"bench", "gamelift", "ruleset"},                                                                                                                    // its own code embeds files; its tests load, check and simulate them
	// The varint encoding of the snapshots of ticket and engine.
	"internal/codec": {},
	// The brute-force oracle of the tests reads rule sets on its own.
	"internal/oracle": {"ticket", "ruleset"},
	// Rule sets that tests of several packages share.
	"internal/fixtures": {},
	// The switch for the long tests.
	"internal/longtest":   {},
	"internal/sigv4":      {},
	"internal/strictjson": {},
	"internal/rpcv2":      {},
	"internal/loadgen":    {},
	// The operation log and snapshots of serve --data-dir.
	"oplog": {},
	// The cluster on NATS JetStream: shards of gamelift services.
	"cluster": {"gamelift", "engine", "internal/fixtures"}, // fixtures in its tests only
}

// exemptPackages are not checked at all.
var exemptPackages = []string{
	"internal/lint", // this lint: it has no non-test code
}

// confinedImports are third-party dependencies that only the listed
// packages may import (DESIGN.md: each dependency in as few places as
// possible). A path matches its prefix and everything below it.
var confinedImports = []struct {
	path string
	only []string
}{
	{"github.com/tidwall/btree", []string{"pool"}},
	{"github.com/expr-lang/expr", []string{"ruleset"}},
}

// coreForbiddenImports are server, metrics and cluster dependencies that
// the core never imports. A path ending in "/" matches everything below it;
// any other path matches itself and everything below it.
var coreForbiddenImports = []string{
	"net/http",
	"github.com/aws/",
	"go.opentelemetry.io/",
	"github.com/nats-io/",
}

// minCoreFiles is the fewest non-test files the lint must scan in each core
// package, so that it cannot pass by finding nothing.
const minCoreFiles = 3

// violation is one finding.
type violation struct {
	pos  token.Position // Filename relative to the repository root
	rule string
	name string // what was used, for exceptions (e.g. "time.Now")
	msg  string
}

func (v violation) String() string {
	return fmt.Sprintf("%s:%d: [%s] %s", v.pos.Filename, v.pos.Line, v.rule, v.msg)
}

// pkg is one package of the module.
type pkg struct {
	rel   string // relative to the module root, slash-separated ("engine/internal/x")
	unit  string // the package whose rules apply ("engine")
	dir   string // relative to the test's directory
	files []*ast.File
	types *types.Package
	info  *types.Info
}

// repo is the parsed module.
type repo struct {
	module   string
	root     string // relative to the test's directory
	fset     *token.FileSet
	pkgs     map[string]*pkg // by rel
	typeErrs []error
	checking map[string]bool
	imp      types.ImporterFrom
}

var (
	loadOnce   sync.Once
	loaded     *repo
	loadErr    error
	sharedFset = token.NewFileSet()
	// sharedImp type-checks dependencies outside the module from source,
	// once for TestLint and TestLintSelf.
	sharedImp = importer.ForCompiler(sharedFset, "source", nil).(types.ImporterFrom)
)

// findRoot walks up from the test's directory to the directory holding
// go.mod, and returns it as a relative path and the module path.
func findRoot() (root, module string, err error) {
	root = "."
	for range 10 {
		data, err := os.ReadFile(filepath.Join(root, "go.mod"))
		if err == nil {
			for line := range strings.SplitSeq(string(data), "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return root, strings.Trim(strings.TrimSpace(rest), `"`), nil
				}
			}
			return "", "", fmt.Errorf("%s: no module line", filepath.Join(root, "go.mod"))
		}
		root = filepath.Join(root, "..")
	}
	return "", "", errors.New("no go.mod above the test's directory")
}

// unitOf returns the package whose rules apply to rel: the part before its
// first internal/ element, or rel itself for a top-level internal package
// (internal/oracle), which has rules of its own.
func unitOf(rel string) string {
	parts := strings.Split(rel, "/")
	if i := slices.Index(parts, "internal"); i > 0 {
		return strings.Join(parts[:i], "/")
	}
	return rel
}

func isCore(unit string) bool { return slices.Contains(corePackages, unit) }

// load parses every package of the module and type-checks the core ones.
func load() (*repo, error) {
	loadOnce.Do(func() { loaded, loadErr = loadRepo() })
	return loaded, loadErr
}

func loadRepo() (*repo, error) {
	root, module, err := findRoot()
	if err != nil {
		return nil, err
	}
	r := &repo{module: module, root: root, fset: sharedFset, pkgs: map[string]*pkg{}, checking: map[string]bool{}, imp: sharedImp}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if path != root {
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir // another module
			}
		}
		bp, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if slices.Contains(exemptPackages, rel) {
			return nil
		}
		p := &pkg{rel: rel, unit: unitOf(rel), dir: path}
		for _, f := range append(slices.Clone(bp.GoFiles), bp.CgoFiles...) {
			file, err := r.parse(filepath.Join(path, f))
			if err != nil {
				return err
			}
			p.files = append(p.files, file)
		}
		r.pkgs[rel] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range r.sorted() {
		if isCore(p.unit) {
			r.check(p)
		}
	}
	return r, nil
}

// parse parses a file with comments, naming it relative to the root.
func (r *repo) parse(path string) (*ast.File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return nil, err
	}
	return parser.ParseFile(r.fset, filepath.ToSlash(rel), src, parser.ParseComments|parser.SkipObjectResolution)
}

func (r *repo) sorted() []*pkg {
	out := make([]*pkg, 0, len(r.pkgs))
	for _, rel := range slices.Sorted(maps.Keys(r.pkgs)) {
		out = append(out, r.pkgs[rel])
	}
	return out
}

// check type-checks p (non-test files), first checking the module's
// packages it imports, so that each is checked once.
func (r *repo) check(p *pkg) *types.Package {
	if p.types != nil || r.checking[p.rel] {
		return p.types
	}
	r.checking[p.rel] = true
	p.info = newInfo()
	conf := types.Config{
		Importer: importerFunc(func(path, dir string, mode types.ImportMode) (*types.Package, error) {
			if rel, ok := r.projectRel(path); ok {
				if q := r.pkgs[rel]; q != nil {
					if tp := r.check(q); tp != nil {
						return tp, nil
					}
				}
				return nil, fmt.Errorf("cannot type-check %s", path)
			}
			return r.imp.ImportFrom(path, dir, mode)
		}),
		Error: func(err error) { r.typeErrs = append(r.typeErrs, err) },
	}
	// The error is also reported through conf.Error; info is filled as far
	// as the checker got.
	p.types, _ = conf.Check(r.module+"/"+p.rel, r.fset, p.files, p.info)
	return p.types
}

// projectRel returns the path of an import relative to the module root, if
// it is a package of the module.
func (r *repo) projectRel(path string) (string, bool) {
	if path == r.module {
		return ".", true
	}
	return strings.CutPrefix(path, r.module+"/")
}

type importerFunc func(path, dir string, mode types.ImportMode) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path, "", 0) }
func (f importerFunc) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	return f(path, dir, mode)
}

func newInfo() *types.Info {
	return &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Uses:  map[*ast.Ident]types.Object{},
	}
}

// The checks. Each returns what it found, before exceptions.

// checkUses reports uses of the wall clock and of global randomness:
// package-level functions, however they are named in the file (qualified,
// renamed import, dot import, or as a function value such as
// opts.Clock = time.Now). Methods such as time.Time.After are not uses.
func checkUses(fset *token.FileSet, file *ast.File, info *types.Info) []violation {
	var out []violation
	ast.Inspect(file, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		fn, ok := info.Uses[id].(*types.Func)
		if !ok || fn.Pkg() == nil {
			return true
		}
		if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
			return true
		}
		switch path := fn.Pkg().Path(); {
		case path == "time" && slices.Contains(clockFuncs, fn.Name()):
			out = append(out, violation{pos: fset.Position(id.Pos()), rule: ruleClock, name: fn.FullName(),
				msg: fmt.Sprintf("uses %s: the core takes time as an input (Step(now)), it never reads or waits on the wall clock", fn.FullName())})
		case (path == "math/rand" || path == "math/rand/v2") && !slices.Contains(randConstructors, fn.Name()):
			out = append(out, violation{pos: fset.Position(id.Pos()), rule: ruleRandom, name: fn.FullName(),
				msg: fmt.Sprintf("uses %s, the global generator: draw from the seeded *rand.Rand of the engine's config", fn.FullName())})
		}
		return true
	})
	return out
}

// checkGo reports go statements.
func checkGo(fset *token.FileSet, file *ast.File) []violation {
	var out []violation
	ast.Inspect(file, func(n ast.Node) bool {
		if g, ok := n.(*ast.GoStmt); ok {
			out = append(out, violation{pos: fset.Position(g.Go), rule: ruleGoroutine, name: "go",
				msg: "starts a goroutine: the core is single-threaded; concurrency belongs to the Runner"})
		}
		return true
	})
	return out
}

// checkMapRange reports range statements over a map, or over a map's
// iterator from package maps, that carry no marker comment.
func checkMapRange(fset *token.FileSet, file *ast.File, info *types.Info) []violation {
	marked := markedLines(fset, file)
	var out []violation
	ast.Inspect(file, func(n ast.Node) bool {
		rs, ok := n.(*ast.RangeStmt)
		if !ok {
			return true
		}
		what := ""
		if t := info.TypeOf(rs.X); t != nil && isMap(t) {
			what = "a map (" + types.TypeString(t, (*types.Package).Name) + ")"
		} else if fn := mapIterCall(rs.X, info); fn != "" {
			what = "the map iterator " + fn
		}
		if what == "" {
			return true
		}
		pos := fset.Position(rs.For)
		if marked[pos.Line] || marked[pos.Line-1] {
			return true
		}
		out = append(out, violation{pos: pos, rule: ruleMapRange, name: "range",
			msg: fmt.Sprintf("ranges over %s, whose order changes from run to run: range over sorted keys, or say why in a comment containing %q on this line or the line above", what, mapRangeMarker)})
		return true
	})
	return out
}

// isMap reports whether t is a map, or a type parameter whose every type is
// a map.
func isMap(t types.Type) bool {
	if tp, ok := types.Unalias(t).(*types.TypeParam); ok {
		iface, ok := tp.Constraint().Underlying().(*types.Interface)
		if !ok {
			return false
		}
		terms := 0
		for i := range iface.NumEmbeddeds() {
			u, ok := iface.EmbeddedType(i).(*types.Union)
			if !ok {
				if isMap(iface.EmbeddedType(i)) {
					return true
				}
				continue
			}
			for j := range u.Len() {
				if !isMap(u.Term(j).Type()) {
					return false
				}
				terms++
			}
		}
		return terms > 0
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}

// mapIterCall returns "maps.Keys" (or Values, All) if x calls it.
func mapIterCall(x ast.Expr, info *types.Info) string {
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return ""
	}
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.IndexExpr: // explicit instantiation
		if s, ok := f.X.(*ast.SelectorExpr); ok {
			id = s.Sel
		} else if i, ok := f.X.(*ast.Ident); ok {
			id = i
		}
	}
	if id == nil {
		return ""
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "maps" || !slices.Contains(mapIterFuncs, fn.Name()) {
		return ""
	}
	return fn.FullName()
}

// markedLines returns the lines on which a range statement is accepted: the
// first line of each comment group that contains the marker with a reason
// (a trailing comment on the for line) and the line after its last line (a
// comment above the for).
func markedLines(fset *token.FileSet, file *ast.File) map[int]bool {
	lines := map[int]bool{}
	for _, cg := range file.Comments {
		if !hasMarker(cg.Text()) {
			continue
		}
		lines[fset.Position(cg.Pos()).Line] = true
		lines[fset.Position(cg.End()).Line] = true
	}
	return lines
}

// hasMarker reports whether a comment's text contains the marker and, apart
// from it, a reason of at least one word.
func hasMarker(text string) bool {
	lower := strings.ToLower(text)
	if !strings.Contains(lower, mapRangeMarker) {
		return false
	}
	rest := strings.ReplaceAll(lower, mapRangeMarker, " ")
	letters := 0
	for _, c := range rest {
		if c >= 'a' && c <= 'z' {
			letters++
		}
	}
	return letters >= 3
}

// checkImports reports the import rules for one file of the package rel:
// direction, confined dependencies, forbidden dependencies of the core, and
// crypto/rand.
func checkImports(fset *token.FileSet, module, rel string, file *ast.File) []violation {
	unit := unitOf(rel)
	allowed, known := allowedImports[unit]
	var out []violation
	add := func(spec *ast.ImportSpec, rule, path, msg string) {
		out = append(out, violation{pos: fset.Position(spec.Pos()), rule: rule, name: path, msg: msg})
	}
	for _, spec := range file.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		if target, ok := strings.CutPrefix(path, module+"/"); ok || path == module {
			if !ok {
				target = "."
			}
			tunit := unitOf(target)
			switch {
			case !known:
				add(spec, ruleDirection, path, fmt.Sprintf("package %s is not in the import table allowedImports: add it with the packages it may import", rel))
			case tunit == unit: // its own internal packages
			case slices.Contains(allowed, anyProjectPackage) || slices.Contains(allowed, tunit):
			default:
				may := "no project package"
				if len(allowed) > 0 {
					may = "only " + strings.Join(allowed, ", ")
				}
				add(spec, ruleDirection, path, fmt.Sprintf("%s imports %s: imports run ticket <- ruleset, pool <- engine <- gamelift, bench <- cmd/matchforge; %s may import %s", rel, target, unit, may))
			}
			continue
		}
		for _, c := range confinedImports {
			if importMatches(path, c.path) && !slices.Contains(c.only, unit) {
				add(spec, ruleConfined, path, fmt.Sprintf("%s imports %s, which only %v may import: go through that package's API", rel, path, c.only))
			}
		}
		if !isCore(unit) {
			continue
		}
		for _, f := range coreForbiddenImports {
			if importMatches(path, f) {
				add(spec, ruleForbidden, path, fmt.Sprintf("core package %s imports %s: server, metrics and cluster dependencies stay out of ticket, ruleset, pool and engine", rel, path))
			}
		}
		if path == "crypto/rand" {
			add(spec, ruleRandom, path, fmt.Sprintf("core package %s imports crypto/rand: randomness comes from the seeded source in the engine's config", rel))
		}
	}
	return out
}

func importMatches(path, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(path, prefix)
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// checkFile runs every rule that applies to one file of package rel. info
// may be nil for a package that is not type-checked.
func checkFile(fset *token.FileSet, module, rel string, file *ast.File, info *types.Info) []violation {
	out := checkImports(fset, module, rel, file)
	if isCore(unitOf(rel)) {
		out = append(out, checkGo(fset, file)...)
		if info != nil {
			out = append(out, checkUses(fset, file, info)...)
			out = append(out, checkMapRange(fset, file, info)...)
		}
	}
	slices.SortStableFunc(out, func(a, b violation) int { return a.pos.Offset - b.pos.Offset })
	return out
}

// excepted reports whether an exception allows v, and marks it used.
func excepted(v violation, used map[int]bool) bool {
	for i, e := range exceptions {
		if e.file == v.pos.Filename && e.rule == v.rule && (len(e.names) == 0 || slices.Contains(e.names, v.name)) {
			used[i] = true
			return true
		}
	}
	return false
}

// TestLint runs every rule on the repository, one subtest per rule.
func TestLint(t *testing.T) {
	r, err := load()
	if err != nil {
		t.Fatal(err)
	}
	byRule := map[string][]violation{}
	used := map[int]bool{}
	for _, p := range r.sorted() {
		for _, f := range p.files {
			for _, v := range checkFile(r.fset, r.module, p.rel, f, p.info) {
				if !excepted(v, used) {
					byRule[v.rule] = append(byRule[v.rule], v)
				}
			}
		}
	}

	t.Run("scanned", func(t *testing.T) {
		for _, unit := range slices.Concat(corePackages, slices.Sorted(maps.Keys(allowedImports))) {
			if _, ok := r.pkgs[unit]; !ok {
				t.Errorf("package %s (in corePackages or allowedImports) not found under %s: the lint would check nothing there", unit, r.root)
			}
		}
		for _, unit := range corePackages {
			files, decls := 0, 0
			for _, p := range r.pkgs {
				if p.unit == unit {
					files += len(p.files)
					for _, f := range p.files {
						decls += len(f.Decls)
					}
				}
			}
			t.Logf("%s: %d non-test files, %d declarations", unit, files, decls)
			if files < minCoreFiles {
				t.Errorf("core package %s: scanned %d non-test files, want at least %d", unit, files, minCoreFiles)
			}
			if p := r.pkgs[unit]; p != nil && (p.types == nil || p.types.Scope().Len() == 0) {
				t.Errorf("core package %s: type-checking produced no declarations", unit)
			}
		}
	})
	t.Run(ruleTypeCheck, func(t *testing.T) {
		for _, err := range r.typeErrs {
			t.Errorf("%v", err)
		}
	})
	for _, rule := range []string{ruleClock, ruleGoroutine, ruleRandom, ruleMapRange, ruleDirection, ruleConfined, ruleForbidden} {
		t.Run(rule, func(t *testing.T) {
			for _, v := range byRule[rule] {
				t.Error(v)
			}
		})
	}
	t.Run(ruleExceptions, func(t *testing.T) {
		for i, e := range exceptions {
			if !used[i] {
				t.Errorf("exception {%s, %s, %v} allows nothing any more: remove it from the list", e.file, e.rule, e.names)
			}
		}
	})
}

// snippet is an in-memory file for TestLintSelf.
type snippet struct {
	name string // the subtest
	rel  string // the package it pretends to belong to
	file string // its file name, relative to the root
	src  string
	want []string // rules it must break, in order of position
}

var snippets = []snippet{
	{
		name: "clock", rel: "engine", file: "engine/x.go",
		src: `package engine
import (
	"time"
	tm "time"
	. "time"
)
func f(a, b time.Time) bool { return a.After(b) } // a method, not the clock
var clock = time.Now
func g() { time.Sleep(1); _ = tm.Since(Time{}); _ = Until(Time{}); <-time.After(1); _ = time.Tick(1); time.NewTimer(1).Stop(); time.NewTicker(1).Stop() }
func h() time.Duration { return time.Duration(3) * time.Second }
`,
		want: []string{ruleClock, ruleClock, ruleClock, ruleClock, ruleClock, ruleClock, ruleClock, ruleClock},
	},
	{
		name: "clock-exception", rel: "engine", file: "engine/runner.go",
		src: `package engine
import "time"
var clock = time.Now
func f() { t := time.NewTicker(1); t.Stop(); time.Sleep(1) }
`,
		want: []string{ruleClock}, // time.Sleep: not among the Runner's exceptions
	},
	{
		name: "goroutine", rel: "pool", file: "pool/x.go",
		src: `package pool
func f(c chan int) { go func() { c <- 1 }(); go close(c) }
`,
		want: []string{ruleGoroutine, ruleGoroutine},
	},
	{
		name: "goroutine-exception", rel: "engine", file: "engine/runner.go",
		src: `package engine
func f(c chan int) { go close(c) }
`,
	},
	{
		name: "random", rel: "ruleset", file: "ruleset/x.go",
		src: `package ruleset
import (
	r1 "math/rand"
	"math/rand/v2"
)
func f() int {
	g := rand.New(rand.NewPCG(1, 2)) // a seeded source: allowed
	_ = r1.New(r1.NewSource(1)).Intn(3)
	_ = rand.New(rand.NewChaCha8([32]byte{}))
	return g.IntN(3) + rand.IntN(3) + r1.Intn(3)
}
var shuffle = rand.Shuffle
`,
		want: []string{ruleRandom, ruleRandom, ruleRandom},
	},
	{
		name: "crypto-rand", rel: "ticket", file: "ticket/x.go",
		src: `package ticket
import "crypto/rand"
func f() string { return rand.Text() }
`,
		want: []string{ruleRandom},
	},
	{
		name: "map-range", rel: "engine", file: "engine/x.go",
		src: `package engine
import "maps"
type byName map[string]int
func f[M ~map[string]int](m map[string]int, n byName, gm M, s []int) (c int) {
	for k := range m {
		c += len(k)
	}
	for range n {
		c++
	}
	for range gm {
		c++
	}
	for k := range maps.Keys(m) {
		c += len(k)
	}
	for k := range m { // order does not matter
		c += len(k)
	}
	for k, v := range m { // only sums: order does not matter
		c += len(k) + v
	}
	// Only sums, so the order does not matter.
	for _, v := range n {
		c += v
	}
	for _, v := range s {
		c += v
	}
	for i := range 3 {
		c += i
	}
	return c
}
`,
		want: []string{ruleMapRange, ruleMapRange, ruleMapRange, ruleMapRange, ruleMapRange},
	},
	{
		name: "map-range-not-core", rel: "bench", file: "bench/x.go",
		src: `package bench
func f(m map[string]int) (c int) {
	for _, v := range m {
		c += v
	}
	return c
}
`,
	},
	{
		name: "direction", rel: "pool", file: "pool/x.go",
		src: `package pool
import (
	_ "github.com/matchforge/matchforge/ticket"
	_ "github.com/matchforge/matchforge/ruleset"
	_ "github.com/matchforge/matchforge/engine"
	_ "github.com/matchforge/matchforge/pool/internal/x"
)
`,
		want: []string{ruleDirection, ruleDirection},
	},
	{
		name: "direction-ticket", rel: "ticket", file: "ticket/x.go",
		src: `package ticket
import _ "github.com/matchforge/matchforge/ruleset"
`,
		want: []string{ruleDirection},
	},
	{
		name: "direction-internal", rel: "engine/internal/x", file: "engine/internal/x/x.go",
		src: `package x
import (
	_ "github.com/matchforge/matchforge/pool"
	_ "github.com/matchforge/matchforge/engine/internal/y"
	_ "github.com/matchforge/matchforge/gamelift"
	"time"
)
var _ = time.Now
`,
		want: []string{ruleDirection, ruleClock},
	},
	{
		name: "direction-unknown", rel: "daemon", file: "daemon/x.go",
		src: `package daemon
import _ "github.com/matchforge/matchforge/engine"
`,
		want: []string{ruleDirection},
	},
	{
		name: "direction-cmd", rel: "cmd/matchforge", file: "cmd/matchforge/x.go",
		src: `package main
import (
	_ "github.com/matchforge/matchforge/engine"
	_ "github.com/matchforge/matchforge/pool"
	_ "net/http"
)
`,
	},
	{
		name: "confined", rel: "engine", file: "engine/x.go",
		src: `package engine
import (
	_ "github.com/tidwall/btree"
	_ "github.com/expr-lang/expr/vm"
	_ "github.com/tidwall/btreeish"
)
`,
		want: []string{ruleConfined, ruleConfined},
	},
	{
		name: "confined-owner", rel: "pool", file: "pool/x.go",
		src: `package pool
import _ "github.com/tidwall/btree"
`,
	},
	{
		name: "forbidden", rel: "engine", file: "engine/x.go",
		src: `package engine
import (
	_ "net/http"
	_ "net/http/pprof"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "go.opentelemetry.io/otel"
	_ "github.com/nats-io/nats.go"
	_ "net/url"
)
`,
		want: []string{ruleForbidden, ruleForbidden, ruleForbidden, ruleForbidden, ruleForbidden},
	},
	{
		name: "forbidden-not-core", rel: "gamelift", file: "gamelift/x.go",
		src: `package gamelift
import _ "net/http"
`,
	},
}

// TestLintSelf runs the rules on in-memory sources: each must break exactly
// the rules listed, so a rule that finds nothing cannot pass unnoticed.
func TestLintSelf(t *testing.T) {
	const module = "github.com/matchforge/matchforge"
	for _, s := range snippets {
		t.Run(s.name, func(t *testing.T) {
			file, err := parser.ParseFile(sharedFset, s.file, s.src, parser.ParseComments|parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			var info *types.Info
			if isCore(unitOf(s.rel)) {
				info = newInfo()
				conf := types.Config{
					// Packages outside the standard library (and the large
					// net/http) are empty stand-ins: only the import rules
					// look at them.
					Importer: importerFunc(func(path, dir string, mode types.ImportMode) (*types.Package, error) {
						if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") && !importMatches(path, "net/http") {
							return sharedImp.ImportFrom(path, ".", mode) // the standard library
						}
						return types.NewPackage(path, "x"), nil
					}),
					Error: func(error) {}, // fake packages and blank imports of them
				}
				conf.Check(module+"/"+s.rel, sharedFset, []*ast.File{file}, info)
			}
			var got []string
			used := map[int]bool{}
			for _, v := range checkFile(sharedFset, module, s.rel, file, info) {
				if excepted(v, used) {
					continue
				}
				t.Log(v)
				got = append(got, v.rule)
			}
			if !slices.Equal(got, s.want) {
				t.Errorf("rules broken: got %v, want %v", got, s.want)
			}
		})
	}
	// Every rule has a snippet that breaks it.
	for _, rule := range []string{ruleClock, ruleGoroutine, ruleRandom, ruleMapRange, ruleDirection, ruleConfined, ruleForbidden} {
		if !slices.ContainsFunc(snippets, func(s snippet) bool { return slices.Contains(s.want, rule) }) {
			t.Errorf("no snippet breaks %s", rule)
		}
	}
}
