package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browserEnv, set to 1, makes TestBrowserRendersReport run, and fail when
// no headless Chromium is found (.ci/run sets it and installs one).
const browserEnv = "MATCHFORGE_BROWSER_TEST"

// browserNames are the commands of headless Chromium looked up in PATH, in
// order (Debian's chromium-headless-shell puts the first there).
var browserNames = []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "headless_shell"}

// findBrowser returns the path of a headless Chromium, or "".
func findBrowser() string {
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runBrowser runs the browser on url with args, no sandbox (CI runs as
// root), no GPU, a profile of its own, and a minute to finish. It returns
// its standard output.
func runBrowser(t *testing.T, browser, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.CommandContext(ctx, browser, append(all, url)...)
	cmd.WaitDelay = 5 * time.Second // the browser's helpers may hold the pipes after a kill
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v (context: %v)\n%s", browser, args, err, ctx.Err(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestBrowserRendersReport renders the HTML report of a short simulation
// in headless Chromium: the DOM the browser parsed holds every chart with
// data, and a screenshot of the page is a PNG of the window's size. It runs
// when MATCHFORGE_BROWSER_TEST=1 (install Debian's chromium-headless-shell
// first), and is skipped otherwise.
func TestBrowserRendersReport(t *testing.T) {
	if os.Getenv(browserEnv) != "1" {
		t.Skipf("set %s=1 to render the HTML report in headless Chromium (Debian: apt-get install chromium-headless-shell)", browserEnv)
	}
	browser := findBrowser()
	if browser == "" {
		t.Fatalf("%s=1, but no headless Chromium was found (looked for %v in PATH); install Debian's chromium-headless-shell", browserEnv, browserNames)
	}
	_, page := eventfulHTML(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(file)

	dom := runBrowser(t, browser, url, "--dump-dom")
	root, err := parseHTML(dom)
	if err != nil {
		t.Fatalf("the browser's DOM does not parse: %v\n%.2000s", err, dom)
	}
	for _, p := range checkCharts(root) {
		t.Errorf("in the browser's DOM: %s", p)
	}
	if n := root.count("svg"); n < len(ChartIDs()) {
		t.Errorf("the browser's DOM holds %d svg elements; want at least %d", n, len(ChartIDs()))
	}

	shot := filepath.Join(dir, "report.png")
	runBrowser(t, browser, url, "--screenshot="+shot, "--window-size=1200,3000")
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	// A PNG: its signature, then the IHDR chunk with the width and height.
	if len(png) < 24 || !bytes.Equal(png[:8], []byte("\x89PNG\r\n\x1a\n")) || string(png[12:16]) != "IHDR" {
		t.Fatalf("the screenshot is not a PNG (%d bytes)", len(png))
	}
	if w, h := binary.BigEndian.Uint32(png[16:20]), binary.BigEndian.Uint32(png[20:24]); w != 1200 || h != 3000 {
		t.Errorf("the screenshot is %dx%d; want 1200x3000", w, h)
	}
	// A blank page of that size compresses to a few kilobytes; the charts
	// make it far larger.
	if len(png) < 50_000 {
		t.Errorf("the screenshot is %d bytes; a page with its charts drawn is larger", len(png))
	}
}
