package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFallsBackToBuildInfo(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	cases := []struct {
		name                        string
		ldVersion, ldCommit, ldDate string
		bi                          *debug.BuildInfo
		want                        build
		wantCommitLine              string
	}{
		{
			name: "go install module@v0.1.0: the module version, no vcs",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Path: "github.com/kubesurface/kubesurface", Version: "v0.1.0"}},
			want: build{Version: "v0.1.0", GoVersion: "go1.26.1"},
		},
		{
			name: "go build in a dirty checkout: (devel) and the vcs settings",
			bi: &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
				Settings: vcs("vcs", "git", "vcs.revision", "0123abcd", "vcs.time", "2026-05-06T07:08:09Z", "vcs.modified", "true")},
			want:           build{Version: "(devel)", Commit: "0123abcd", Date: "2026-05-06T07:08:09Z", Modified: true, GoVersion: "go1.26.1"},
			wantCommitLine: "commit: 0123abcd (modified)",
		},
		{
			name: "clean checkout with a pseudo-version",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260506070809-0123abcd"},
				Settings: vcs("vcs.revision", "0123abcd", "vcs.time", "2026-05-06T07:08:09Z", "vcs.modified", "false")},
			want: build{Version: "v0.0.0-20260506070809-0123abcd", Commit: "0123abcd", Date: "2026-05-06T07:08:09Z"},
		},
		{
			name:      "link-time values win, and a dirty tree of another commit is not claimed",
			ldVersion: "1.2.3", ldCommit: "feedface", ldDate: "2026-01-02T03:04:05Z",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
				Settings: vcs("vcs.revision", "0123abcd", "vcs.time", "2026-05-06T07:08:09Z", "vcs.modified", "true")},
			want:           build{Version: "1.2.3", Commit: "feedface", Date: "2026-01-02T03:04:05Z"},
			wantCommitLine: "commit: feedface\n",
		},
		{
			name:      "only a version injected: commit and date from vcs",
			ldVersion: "1.2.3",
			bi:        &debug.BuildInfo{Settings: vcs("vcs.revision", "0123abcd", "vcs.time", "2026-05-06T07:08:09Z")},
			want:      build{Version: "1.2.3", Commit: "0123abcd", Date: "2026-05-06T07:08:09Z"},
		},
		{
			name:           "no build info at all",
			want:           build{Version: "(unknown)"},
			wantCommitLine: "commit: unknown\nbuilt:  unknown\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := resolveBuild(c.ldVersion, c.ldCommit, c.ldDate, c.bi)
			// GoVersion falls back to the running toolchain and Platform is
			// always the running one; compare them only where given.
			if c.want.GoVersion == "" {
				c.want.GoVersion = got.GoVersion
			}
			c.want.Platform = got.Platform
			if got != c.want {
				t.Errorf("resolveBuild = %+v\nwant            %+v", got, c.want)
			}
			var text strings.Builder
			if err := got.writeText(&text); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(text.String(), "kubesurface "+c.want.Version+"\n") {
				t.Errorf("text does not start with the version:\n%s", text.String())
			}
			if c.wantCommitLine != "" && !strings.Contains(text.String(), c.wantCommitLine) {
				t.Errorf("text lacks %q:\n%s", c.wantCommitLine, text.String())
			}
		})
	}
}

func TestVersionCommandAndFlagAgree(t *testing.T) {
	code, text, stderr := invoke(t, "", "version")
	if code != exitOK || stderr != "" {
		t.Fatalf("version: exit %d, stderr %q", code, stderr)
	}
	code, flag, _ := invoke(t, "", "--version")
	if code != exitOK || flag != text {
		t.Errorf("--version (exit %d) printed\n%s\nversion printed\n%s", code, flag, text)
	}
	want := currentBuild()
	if !strings.HasPrefix(text, "kubesurface "+want.Version+"\n") || !strings.Contains(text, want.GoVersion+" "+want.Platform) {
		t.Errorf("version printed\n%s\nwant the version %q and %s %s", text, want.Version, want.GoVersion, want.Platform)
	}

	code, out, _ := invoke(t, "", "version", "-o", "json")
	var got build
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("version -o json: exit %d, %v:\n%s", code, err, out)
	}
	if got != want {
		t.Errorf("version -o json = %+v, want %+v", got, want)
	}

	code, _, stderr = invoke(t, "", "version", "-o", "xml")
	if code != exitUsage || !strings.Contains(stderr, `unknown output format "xml"`) {
		t.Errorf("version -o xml: exit %d, stderr %q; want %d and the format named", code, stderr, exitUsage)
	}
}

// TestBuiltBinaryVersionAndPlugin builds the binary as a release does, with
// the version injected at link time, then runs it as itself and as the
// kubectl plugin through the real kubectl. One build serves both.
func TestBuiltBinaryVersionAndPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubesurface")
	const ldflags = "-s -w -X main.version=1.2.3-test -X main.commit=0123456789abcdef0123456789abcdef01234567 -X main.date=2026-01-02T03:04:05Z"
	// The release's ldflags; not its -trimpath, so that the compile cache
	// of ordinary builds serves this one.
	gobuild := exec.Command(goTool, "build", "-ldflags", ldflags, "-o", bin, ".")
	if out, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The binaries run with no kubeconfig and no cache of the user's.
	env := append(os.Environ(), "KUBECONFIG="+filepath.Join(dir, "none"), "HOME="+dir, "XDG_CACHE_HOME="+dir)
	runBin := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	t.Run("version injected", func(t *testing.T) {
		want := "kubesurface 1.2.3-test\ncommit: 0123456789abcdef0123456789abcdef01234567\nbuilt:  2026-01-02T03:04:05Z\n"
		for _, args := range [][]string{{"version"}, {"--version"}} {
			if out := runBin(t, bin, args...); !strings.HasPrefix(out, want) {
				t.Errorf("kubesurface %s printed\n%s\nwant it to start with\n%s", args[0], out, want)
			}
		}
		var got build
		if err := json.Unmarshal([]byte(runBin(t, bin, "version", "-o", "json")), &got); err != nil {
			t.Fatal(err)
		}
		if got.Version != "1.2.3-test" || got.Commit != "0123456789abcdef0123456789abcdef01234567" || got.Date != "2026-01-02T03:04:05Z" || got.Modified {
			t.Errorf("version -o json = %+v", got)
		}
	})

	t.Run("kubectl plugin", func(t *testing.T) {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			t.Skip("no kubectl on PATH")
		}
		pluginDir := filepath.Join(dir, "plugins")
		if err := os.Mkdir(pluginDir, 0o755); err != nil {
			t.Fatal(err)
		}
		// A symlink, as krew installs it: argv[0] is the link's name.
		if err := os.Symlink(bin, filepath.Join(pluginDir, pluginName)); err != nil {
			t.Fatal(err)
		}
		env = append(env, "PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"))

		if out := runBin(t, kubectl, "surface", "version"); !strings.HasPrefix(out, "kubesurface 1.2.3-test\n") {
			t.Errorf("kubectl surface version printed\n%s", out)
		}
		help := runBin(t, kubectl, "surface", "scan", "--help")
		for _, want := range []string{
			"Usage:\n  kubectl surface scan [endpoint...] [flags]\n",
			"  kubectl surface scan --context prod -o json\n",
			"--kubeconfig string",
			"--fail-on string",
		} {
			if !strings.Contains(help, want) {
				t.Errorf("kubectl surface scan --help lacks %q:\n%s", want, help)
			}
		}
		if strings.Contains(help, "kubesurface scan") {
			t.Errorf("kubectl surface scan --help still says kubesurface scan:\n%s", help)
		}
		if root := runBin(t, kubectl, "surface", "--help"); !strings.Contains(root, "Usage:\n  kubectl surface [endpoint...] [flags]\n  kubectl surface [command]\n") {
			t.Errorf("kubectl surface --help usage:\n%s", root)
		}
	})
}
