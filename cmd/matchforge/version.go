package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

func versionFlags() *cmdFlags {
	return newFlagSet("version",
		"usage: matchforge version",
		"Prints the version of matchforge, the revision it was built from when known, and the Go version.",
		"Exit status: 0, or 2 for a usage error.")
}

// runVersion implements "matchforge version" (also "matchforge
// --version"): one line with the module's version, or "(devel)" and the
// version-control revision, time and state when the build recorded them,
// then the Go version, system and architecture. Exit status: 0, or 2 for a
// usage error (any argument).
func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := versionFlags()
	if status, ok := fs.parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		return fs.usageError(stderr, "unexpected argument %q", fs.Arg(0))
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info))
	return 0
}

// versionLine describes the build info of the binary, which is nil when
// the binary has none: "matchforge v1.2.0 (go1.26.0 linux/amd64)", or
// "matchforge (devel) revision 0123abc, 2026-01-02T03:04:05Z, modified
// (go1.26.0 linux/amd64)" for a build from a work tree.
func versionLine(info *debug.BuildInfo) string {
	version, goVersion := "", runtime.Version()
	var vcs []string
	if info != nil {
		version = info.Main.Version
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		if r := settings["vcs.revision"]; r != "" {
			vcs = append(vcs, "revision "+r)
		}
		if t := settings["vcs.time"]; t != "" {
			vcs = append(vcs, t)
		}
		if settings["vcs.modified"] == "true" {
			vcs = append(vcs, "modified")
		}
	}
	if version == "" {
		version = "(devel)"
	}
	line := "matchforge " + version
	if version == "(devel)" && len(vcs) > 0 {
		line += " " + strings.Join(vcs, ", ")
	}
	return fmt.Sprintf("%s (%s %s/%s)", line, goVersion, runtime.GOOS, runtime.GOARCH)
}
