package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubesurface/kubesurface/scan"
)

// indexedJob reads the Indexed Job example as Kubernetes would decode it.
func indexedJob(t *testing.T) (*batchv1.Job, *corev1.ConfigMap) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "indexed-job", "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job *batchv1.Job
	var cm *corev1.ConfigMap
	for _, doc := range strings.Split(string(src), "\n---\n") {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		switch meta.Kind {
		case "Job":
			job = new(batchv1.Job)
			err = yaml.UnmarshalStrict([]byte(doc), job)
		case "ConfigMap":
			cm = new(corev1.ConfigMap)
			err = yaml.UnmarshalStrict([]byte(doc), cm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if job == nil || cm == nil {
		t.Fatal("the example lacks its Job or its ConfigMap")
	}
	return job, cm
}

// TestIndexedJobExampleRunsAsShards runs the example's own command line
// once per completion index, as the Job controller would, on a local
// target list: together the workers scan every target exactly once, and
// each writes only judged NDJSON lines. (test/e2e checks the manifest
// against a real kube-apiserver.)
func TestIndexedJobExampleRunsAsShards(t *testing.T) {
	job, cm := indexedJob(t)
	if _, err := scan.ParseEndpoints(mustEndpoints(t, cm.Data["targets.txt"]), scan.DefaultMaxTargets); err != nil {
		t.Fatalf("the example's targets.txt does not parse: %v", err)
	}
	if job.Spec.Completions == nil {
		t.Fatal("no completions")
	}
	n := int(*job.Spec.Completions)
	ctr := job.Spec.Template.Spec.Containers[0]
	if !slices.Equal(ctr.Command, []string{"kubesurface"}) {
		t.Fatalf("command %q", ctr.Command)
	}

	srv, _, _ := apiServer(t, "v1.35.8")
	inputs := []string{srv.URL}
	for range 9 {
		inputs = append(inputs, closedPort(t))
	}
	targets := writeFile(t, "targets.txt", "# local stand-ins\n"+strings.Join(inputs, "\n")+"\n")
	seen := map[string]int{}
	for i := range n {
		var args []string
		for _, a := range ctr.Args {
			// What the kubelet and the ConfigMap volume would do.
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i))
			a = strings.ReplaceAll(a, "/targets/targets.txt", targets)
			args = append(args, a)
		}
		code, stdout, stderr := invoke(t, "", append(args, "--timeout", "2s")...)
		if code != exitOK {
			t.Fatalf("index %d: kubesurface %v: exit %d: %s", i, args, code, stderr)
		}
		for _, r := range streamed(t, stdout) {
			seen[r.Target.URL]++
		}
	}
	if len(seen) != len(inputs) {
		t.Errorf("%d workers scanned %d of %d targets: %v", n, len(seen), len(inputs), seen)
	}
	for u, c := range seen {
		if c != 1 {
			t.Errorf("%s scanned by %d workers", u, c)
		}
	}
}

func mustEndpoints(t *testing.T, list string) []string {
	t.Helper()
	eps, err := scan.ReadEndpoints(context.Background(), strings.NewReader(list), "targets.txt")
	if err != nil {
		t.Fatal(err)
	}
	return eps
}
