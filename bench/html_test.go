package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rewrite regenerates the golden files: go test ./bench -run TestHTMLOutline -rewrite
var rewrite = flag.Bool("rewrite", false, "rewrite the golden files of testdata")

// htmlNode is an element of a parsed page.
type htmlNode struct {
	name     string
	attrs    map[string]string
	children []*htmlNode
	text     strings.Builder
}

// parseHTML parses a page leniently, as HTML rather than XML: void
// elements need no closing, HTML's entities are known. It serves both the
// page WriteHTML writes and the DOM a browser dumps.
func parseHTML(b []byte) (*htmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	root := &htmlNode{name: "#document"}
	stack := []*htmlNode{root}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &htmlNode{name: strings.ToLower(tk.Name.Local), attrs: map[string]string{}}
			for _, a := range tk.Attr {
				n.attrs[strings.ToLower(a.Name.Local)] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			name := strings.ToLower(tk.Name.Local)
			for i := len(stack) - 1; i > 0; i-- {
				if stack[i].name == name {
					stack = stack[:i]
					break
				}
			}
		case xml.CharData:
			stack[len(stack)-1].text.Write(tk)
		}
	}
}

// find returns the elements under n, in document order, for which keep
// is true.
func (n *htmlNode) find(keep func(*htmlNode) bool) []*htmlNode {
	var out []*htmlNode
	for _, c := range n.children {
		if keep(c) {
			out = append(out, c)
		}
		out = append(out, c.find(keep)...)
	}
	return out
}

// count returns how many elements under n have the given name.
func (n *htmlNode) count(name string) int {
	return len(n.find(func(c *htmlNode) bool { return c.name == name }))
}

// outline describes a page's structure for the golden test: each element
// with its id and classes, indented; a run of siblings alike is written
// once with its count; an <svg> as the kinds of its elements, not their
// number, which depends on the data. It ends with the number of charts and
// of charts with data.
func outline(root *htmlNode) string {
	var b strings.Builder
	var write func(n *htmlNode, depth int) string
	write = func(n *htmlNode, depth int) string {
		var s strings.Builder
		s.WriteString(strings.Repeat("  ", depth) + n.name)
		if id := n.attrs["id"]; id != "" {
			s.WriteString("#" + id)
		}
		for _, c := range strings.Fields(n.attrs["class"]) {
			s.WriteString("." + c)
		}
		if _, ok := n.attrs["data-points"]; ok {
			s.WriteString(" [data-points]")
		}
		if n.name == "svg" {
			var kinds []string
			for _, d := range n.find(func(*htmlNode) bool { return true }) {
				if !slices.Contains(kinds, d.name) {
					kinds = append(kinds, d.name)
				}
			}
			slices.Sort(kinds)
			s.WriteString(" {" + strings.Join(kinds, " ") + "}\n")
			return s.String()
		}
		s.WriteString("\n")
		var prev string
		run := 0
		flush := func() {
			if run == 0 {
				return
			}
			if run > 1 {
				first, rest, _ := strings.Cut(prev, "\n")
				prev = first + " ×" + strconv.Itoa(run) + "\n" + rest
			}
			s.WriteString(prev)
		}
		for _, c := range n.children {
			sub := write(c, depth+1)
			if sub == prev {
				run++
				continue
			}
			flush()
			prev, run = sub, 1
		}
		flush()
		return s.String()
	}
	for _, c := range root.children {
		b.WriteString(write(c, 0))
	}
	charts, withData := 0, 0
	for _, f := range root.find(func(n *htmlNode) bool { return n.name == "figure" }) {
		charts++
		if p, _ := strconv.Atoi(f.attrs["data-points"]); p > 0 {
			withData++
		}
	}
	fmt.Fprintf(&b, "charts: %d, with data: %d\n", charts, withData)
	return b.String()
}

// checkCharts reports, for a parsed page, every chart of ChartIDs that is
// missing, appears twice, or has no data: a data-points attribute of 0 or
// no bars or lines in its drawings.
func checkCharts(root *htmlNode) []string {
	var problems []string
	for _, id := range ChartIDs() {
		figs := root.find(func(n *htmlNode) bool { return n.attrs["id"] == id })
		if len(figs) != 1 {
			problems = append(problems, fmt.Sprintf("%s: %d elements with the id; want 1", id, len(figs)))
			continue
		}
		f := figs[0]
		p, err := strconv.Atoi(f.attrs["data-points"])
		marks := f.count("rect") + f.count("polyline")
		if f.name != "figure" || err != nil || p <= 0 || f.count("svg") == 0 || marks == 0 {
			problems = append(problems, fmt.Sprintf("%s: a <%s> with data-points %q, %d drawings and %d bars or lines; want a figure with data", id, f.name, f.attrs["data-points"], f.count("svg"), marks))
		}
	}
	return problems
}

// eventfulHTML renders the report of eventfulOptions, whose run has data
// for every chart.
func eventfulHTML(t *testing.T) (*Report, []byte) {
	t.Helper()
	r := eventfulReport(t)
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return r, b.Bytes()
}

func TestHTMLCharts(t *testing.T) {
	t.Parallel()
	_, page := eventfulHTML(t)
	for _, bad := range []string{"http://", "https://", "<script", "NaN", "javascript:", "ZgotmplZ"} {
		if bytes.Contains(bytes.ToLower(page), []byte(strings.ToLower(bad))) {
			t.Errorf("the page holds %q", bad)
		}
	}
	root, err := parseHTML(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkCharts(root) {
		t.Error(p)
	}
	if got := len(root.find(func(n *htmlNode) bool { return n.name == "figure" })); got != len(ChartIDs()) {
		t.Errorf("%d figures; want the %d of ChartIDs", got, len(ChartIDs()))
	}
	if !bytes.Contains(page, []byte("<pre>rule set ranked5v5")) {
		t.Errorf("the page lacks the text report")
	}
}

// TestHTMLOutline compares the page's structure with
// testdata/report-outline.golden; run with -rewrite to update it, then
// review the diff.
func TestHTMLOutline(t *testing.T) {
	t.Parallel()
	_, page := eventfulHTML(t)
	root, err := parseHTML(page)
	if err != nil {
		t.Fatal(err)
	}
	got := outline(root)
	golden := filepath.Join("testdata", "report-outline.golden")
	if *rewrite {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the page's outline differs from %s (run with -rewrite to update it, then review the diff):\n%s", golden, got)
	}
}

// TestHTMLEmpty checks a page without matches: each chart without data
// says why, and nothing reads NaN.
func TestHTMLEmpty(t *testing.T) {
	t.Parallel()
	pop := DefaultPopulation()
	pop.Arrivals.RatePerMinute = 2
	r, err := Simulate(context.Background(), Options{Population: &pop, Duration: 2 * time.Minute, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("NaN")) || bytes.Contains(b.Bytes(), []byte("Inf")) {
		t.Errorf("the page holds NaN or Inf")
	}
	root, err := parseHTML(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ChartWaits, ChartExpansion, ChartQuality, ChartRules} {
		f := root.find(func(n *htmlNode) bool { return n.attrs["id"] == id })
		if len(f) != 1 || f[0].attrs["data-points"] != "0" || !strings.HasPrefix(textOf(f[0], "p", "empty"), "n/a") {
			t.Errorf("%s: want a chart with data-points 0 that says n/a", id)
		}
	}
}

// textOf returns the text of n's first element of the given name and
// class.
func textOf(n *htmlNode, name, class string) string {
	for _, c := range n.find(func(c *htmlNode) bool { return c.name == name && c.attrs["class"] == class }) {
		return c.text.String()
	}
	return ""
}

// TestHTMLEscapes checks that names from the rule set and population are
// escaped, not run.
func TestHTMLEscapes(t *testing.T) {
	r := &Report{RuleSet: `<script>alert("x")</script>`, Configuration: `a&b`, Tickets: 1,
		Breakdown: Breakdown{ByLocation: []Group{{Name: `<img src=x onerror=alert(1)>`, Tickets: 1}}},
		Rules:     []RuleCount{{Name: `"><script>`, Type: "expression", Passed: 1}}}
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	if !strings.Contains(b.String(), "&lt;script&gt;") || !strings.Contains(b.String(), "a&amp;b") {
		t.Errorf("the page lacks the escaped names")
	}
}
