package e2e

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// serveExample is the Deployment + Service example of `kubesurface serve`.
var serveExample = filepath.Join("..", "..", "examples", "serve", "serve.yaml")

// TestServeExampleIsValid applies the serve example with a server-side dry
// run against the real kube-apiserver (nothing created) and checks what it
// echoes: the Service reaches the pod's named metrics port, the pod is
// locked down as the Indexed Job's is, and it is ready only when serve
// says so. Broken copies must be refused, so that the check can fail.
func TestServeExampleIsValid(t *testing.T) {
	c := need(t, "ANON")
	dep, svc, cm := new(appsv1.Deployment), new(corev1.Service), new(corev1.ConfigMap)
	dryRunEcho(t, c, serveExample, map[string]any{"Deployment": dep, "Service": svc, "ConfigMap": cm})

	pod := dep.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Spec.Containers))
	}
	ctr := pod.Spec.Containers[0]
	args := strings.Join(append(ctr.Command, ctr.Args...), " ")
	for _, want := range []string{"kubesurface serve", "--no-kubeconfig", "-f /targets/targets.txt", "--listen :9720"} {
		if !strings.Contains(args, want) {
			t.Errorf("command %q lacks %q", args, want)
		}
	}

	// The Service selects the pod and targets its named metrics port,
	// which a ServiceMonitor names too.
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the pod labels %v", svc.Spec.Selector, pod.Labels)
	}
	if svc.Labels["app.kubernetes.io/name"] != "kubesurface" {
		t.Errorf("Service labels %v: a ServiceMonitor selects app.kubernetes.io/name=kubesurface", svc.Labels)
	}
	var metricsPort *corev1.ContainerPort
	for i, p := range ctr.Ports {
		if p.Name == "metrics" {
			metricsPort = &ctr.Ports[i]
		}
	}
	if metricsPort == nil || metricsPort.ContainerPort != 9720 {
		t.Fatalf("container ports %+v: want metrics on 9720, as --listen says", ctr.Ports)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].TargetPort != intstr.FromString("metrics") {
		t.Errorf("Service ports %+v: want one named metrics, to the container's metrics port", svc.Spec.Ports)
	}
	if rp := ctr.ReadinessProbe; rp == nil || rp.HTTPGet == nil || rp.HTTPGet.Path != "/readyz" || rp.HTTPGet.Port != intstr.FromString("metrics") {
		t.Errorf("readiness probe %+v: want GET /readyz on metrics", rp)
	}
	if lp := ctr.LivenessProbe; lp == nil || lp.HTTPGet == nil || lp.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v: want GET /healthz", lp)
	}

	if a := pod.Spec.AutomountServiceAccountToken; a == nil || *a {
		t.Errorf("automountServiceAccountToken = %v, want false", a)
	}
	sc := ctr.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container securityContext = %+v", sc)
	}
	if ctr.Resources.Limits.Memory().IsZero() || ctr.Resources.Requests.Cpu().IsZero() {
		t.Errorf("resources = %+v", ctr.Resources)
	}
	mounted := slices.ContainsFunc(ctr.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/targets" })
	fromCM := slices.ContainsFunc(pod.Spec.Volumes, func(v corev1.Volume) bool {
		return v.ConfigMap != nil && v.ConfigMap.Name == cm.Name
	})
	if !mounted || !fromCM || cm.Data["targets.txt"] == "" {
		t.Errorf("targets are not the ConfigMap's targets.txt at /targets: mounts %+v, volumes %+v, data %v", ctr.VolumeMounts, pod.Spec.Volumes, cm.Data)
	}
	// The refresh's cache is writable although the root filesystem is not.
	cache := slices.ContainsFunc(ctr.Env, func(e corev1.EnvVar) bool { return e.Name == "XDG_CACHE_HOME" && e.Value == "/cache" })
	if !cache || !slices.ContainsFunc(ctr.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/cache" && !m.ReadOnly }) {
		t.Errorf("no writable cache at XDG_CACHE_HOME: env %+v, mounts %+v", ctr.Env, ctr.VolumeMounts)
	}

	refusesBrokenCopies(t, c, serveExample, map[string]edit{
		"port out of range": {"containerPort: 9720", "containerPort: 97200", "containerPort: Invalid value: 97200"},
		"misspelt field":    {"targetPort: metrics", "targetPrt: metrics", `unknown field "spec.ports[0].targetPrt"`},
	})
}
