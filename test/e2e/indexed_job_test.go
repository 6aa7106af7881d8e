package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// exampleDir is the Indexed Job example the README points to.
var exampleDir = filepath.Join("..", "..", "examples", "indexed-job")

// kubectl runs the real kubectl as the harness's admin against c.
func kubectl(t *testing.T, c cluster, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", c.Kubeconfig, "--cache-dir", t.TempDir()}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Fatalf("kubectl %v: %v (the e2e tests need kubectl on PATH)", args, err)
	}
	return out.String(), errb.String(), err
}

// dryRunEcho applies path with a server-side dry run (validation,
// defaulting and admission of a real kube-apiserver, nothing created) and
// decodes each object the server echoes into the value objs holds for its
// kind. An object of another kind, or a kind not echoed, fails the test.
func dryRunEcho(t *testing.T, c cluster, path string, objs map[string]any) {
	t.Helper()
	stdout, stderr, err := kubectl(t, c, "apply", "--dry-run=server", "-o", "json", "-f", path)
	if err != nil {
		t.Fatalf("the server refused the example: %v\n%s", err, stderr)
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("decoding the echoed objects: %v\n%s", err, stdout)
	}
	seen := map[string]bool{}
	for _, raw := range list.Items {
		var meta struct{ Kind string }
		if err := json.Unmarshal(raw, &meta); err != nil {
			t.Fatal(err)
		}
		into, ok := objs[meta.Kind]
		if !ok {
			t.Fatalf("unexpected %s in the example", meta.Kind)
		}
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatal(err)
		}
		seen[meta.Kind] = true
	}
	for kind := range objs {
		if !seen[kind] {
			t.Fatalf("no %s echoed, got %d objects:\n%s", kind, len(list.Items), stdout)
		}
	}
}

// TestIndexedJobExampleIsValid applies the example with a server-side dry
// run (validation, defaulting and admission of a real kube-apiserver,
// nothing created) and checks what the server echoes; broken copies must
// be refused, so that the check can fail.
func TestIndexedJobExampleIsValid(t *testing.T) {
	c := need(t, "ANON")
	job, cm := new(batchv1.Job), new(corev1.ConfigMap)
	dryRunEcho(t, c, exampleDir, map[string]any{"Job": job, "ConfigMap": cm})
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode = %v, want Indexed", spec.CompletionMode)
	}
	if spec.Completions == nil || spec.Parallelism == nil || *spec.Parallelism > *spec.Completions {
		t.Fatalf("completions %v, parallelism %v", spec.Completions, spec.Parallelism)
	}
	pod := spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	ctr := pod.Containers[0]
	args := strings.Join(append(ctr.Command, ctr.Args...), " ")
	// The shard count is the Job's completions, or some targets are never
	// scanned (N too small) or some indexes scan nothing (N too large).
	if want := "--shard $(JOB_COMPLETION_INDEX)/" + strconv.Itoa(int(*spec.Completions)); !strings.Contains(args, want) {
		t.Errorf("command %q lacks %q", args, want)
	}
	for _, want := range []string{"kubesurface scan", "--no-kubeconfig", "-o ndjson", "-f /targets/targets.txt"} {
		if !strings.Contains(args, want) {
			t.Errorf("command %q lacks %q", args, want)
		}
	}
	sc := ctr.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext = %+v", sc)
	}
	if ctr.Resources.Limits.Memory().IsZero() || ctr.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources = %+v", ctr.Resources)
	}
	mounted := slices.ContainsFunc(ctr.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/targets" })
	fromCM := slices.ContainsFunc(pod.Volumes, func(v corev1.Volume) bool {
		return v.ConfigMap != nil && v.ConfigMap.Name == cm.Name
	})
	if !mounted || !fromCM || cm.Data["targets.txt"] == "" {
		t.Errorf("targets are not the ConfigMap's targets.txt at /targets: mounts %+v, volumes %+v, data %v", ctr.VolumeMounts, pod.Volumes, cm.Data)
	}

	refusesBrokenCopies(t, c, filepath.Join(exampleDir, "job.yaml"), map[string]edit{
		"unknown completion mode": {"completionMode: Indexed", "completionMode: Bogus", `spec.completionMode: Unsupported value: "Bogus"`},
		"misspelt field":          {"completionMode: Indexed", "completionMod: Indexed", `unknown field "spec.completionMod"`},
	})
}

// edit breaks an example: the first from becomes to, and the server must
// refuse the result saying want.
type edit struct{ from, to, want string }

// refusesBrokenCopies applies broken copies of the example at path with a
// server-side dry run: each must be refused with its message, so that the
// check of the example itself can fail.
func refusesBrokenCopies(t *testing.T, c cluster, path string, edits map[string]edit) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, e := range edits {
		t.Run(name, func(t *testing.T) {
			broken := strings.Replace(string(src), e.from, e.to, 1)
			if broken == string(src) {
				t.Fatalf("the example no longer holds %q", e.from)
			}
			file := filepath.Join(t.TempDir(), filepath.Base(path))
			if err := os.WriteFile(file, []byte(broken), 0o600); err != nil {
				t.Fatal(err)
			}
			_, stderr, err := kubectl(t, c, "apply", "--dry-run=server", "-f", file)
			if err == nil || !strings.Contains(stderr, e.want) {
				t.Errorf("broken copy: err %v, stderr %q; want refused with %q", err, stderr, e.want)
			}
		})
	}
}
