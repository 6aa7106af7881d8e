package demo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// apiserver answers as kube-apiserver does for a request without
// credentials: authentication, then authorization, then the handler. The
// bodies are built from the apimachinery types the real server marshals,
// so every field a client parses is where it expects it.
type apiserver struct {
	p profile
}

func (a *apiserver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every kube-apiserver response carries these; a scanner's user sees
	// them in raw output, so they are part of looking real.
	w.Header().Set("Audit-Id", auditID())
	w.Header().Set("Cache-Control", "no-cache, private")
	path := r.URL.Path
	switch {
	case a.p.anonymous == anonymousOff,
		a.p.anonymous == anonymousLimited && !a.allowed(path):
		a.status(w, http.StatusUnauthorized, metav1.StatusReasonUnauthorized, "Unauthorized", nil)
		return
	case !a.allowed(path) || r.Method != http.MethodGet && r.Method != http.MethodHead:
		a.forbidden(w, r)
		return
	}
	switch path {
	case "/version", "/version/":
		writeJSON(w, http.StatusOK, a.p.info, true)
	case "/healthz", "/livez", "/readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fmt.Fprint(w, "ok")
	case "/api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
			Versions: []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
				{ClientCIDR: "0.0.0.0/0", ServerAddress: a.p.advertise},
			},
		}, false)
	case "/apis":
		writeJSON(w, http.StatusOK, a.groups(), false)
	case "/api/v1/namespaces":
		writeJSON(w, http.StatusOK, a.namespaceList(), false)
	case "/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                a.p.issuer,
			"jwks_uri":                              "https://" + a.p.advertise + "/openid/v1/jwks",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		}, false)
	case oauthDiscovery:
		if a.p.oauth == "" {
			a.status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource", &metav1.StatusDetails{})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                           a.p.oauth,
			"authorization_endpoint":           a.p.oauth + "/oauth/authorize",
			"token_endpoint":                   a.p.oauth + "/oauth/token",
			"scopes_supported":                 []string{"user:check-access", "user:full", "user:info", "user:list-projects", "user:list-scoped-projects"},
			"response_types_supported":         []string{"code", "token"},
			"grant_types_supported":            []string{"authorization_code", "implicit"},
			"code_challenge_methods_supported": []string{"plain", "S256"},
		}, false)
	case "/metrics":
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprint(w, a.metrics())
	case "/openapi/v2":
		writeJSON(w, http.StatusOK, map[string]any{
			"swagger": "2.0",
			"info":    map[string]string{"title": "Kubernetes", "version": a.p.info.GitVersion},
			"paths": map[string]any{
				"/api/v1/namespaces": map[string]any{"get": map[string]string{"operationId": "listCoreV1Namespace"}},
				"/api/v1/secrets":    map[string]any{"get": map[string]string{"operationId": "listCoreV1SecretForAllNamespaces"}},
			},
		}, false)
	case "/":
		writeJSON(w, http.StatusOK, map[string][]string{"paths": {
			"/.well-known/openid-configuration", "/api", "/api/v1", "/apis", "/healthz",
			"/livez", "/metrics", "/openapi/v2", "/readyz", "/version",
		}}, true)
	default:
		a.status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource", &metav1.StatusDetails{})
	}
}

// allowed is whether anonymous users may read path on this server.
func (a *apiserver) allowed(path string) bool {
	return a.p.allowAll || slices.Contains(a.p.allowed, path)
}

// forbidden is RBAC's 403 for system:anonymous, worded as kube-apiserver
// words it: resources by verb, group and scope, everything else by path.
func (a *apiserver) forbidden(w http.ResponseWriter, r *http.Request) {
	verb := strings.ToLower(r.Method)
	msg := fmt.Sprintf(`forbidden: User "system:anonymous" cannot %s path %q`, verb, r.URL.Path)
	details := &metav1.StatusDetails{}
	if r.URL.Path == "/api/v1/namespaces" {
		if verb == "get" {
			verb = "list"
		}
		msg = fmt.Sprintf(`namespaces is forbidden: User "system:anonymous" cannot %s resource "namespaces" in API group "" at the cluster scope`, verb)
		details.Kind = "namespaces"
	}
	a.status(w, http.StatusForbidden, metav1.StatusReasonForbidden, msg, details)
}

func (a *apiserver) status(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string, details *metav1.StatusDetails) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Details:  details,
		Code:     int32(code),
	}, false)
}

// builtinGroups are the API groups every current kube-apiserver serves.
var builtinGroups = []string{
	"apiregistration.k8s.io/v1", "apps/v1", "events.k8s.io/v1", "authentication.k8s.io/v1",
	"authorization.k8s.io/v1", "autoscaling/v2", "batch/v1", "certificates.k8s.io/v1",
	"networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "scheduling.k8s.io/v1",
	"coordination.k8s.io/v1", "node.k8s.io/v1", "discovery.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1", "resource.k8s.io/v1",
}

func (a *apiserver) groups() *metav1.APIGroupList {
	out := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, gv := range append(slices.Clone(builtinGroups), a.p.groups...) {
		name, ver, _ := strings.Cut(gv, "/")
		v := metav1.GroupVersionForDiscovery{GroupVersion: gv, Version: ver}
		out.Groups = append(out.Groups, metav1.APIGroup{Name: name, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
	}
	return out
}

// created is when the demo clusters were "installed": fixed, so that
// objects look the same on every run.
var created = metav1.NewTime(time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC))

func (a *apiserver) namespaceList() *corev1.NamespaceList {
	out := &corev1.NamespaceList{
		TypeMeta: metav1.TypeMeta{Kind: "NamespaceList", APIVersion: "v1"},
		ListMeta: metav1.ListMeta{ResourceVersion: "48213977"},
	}
	for i, n := range a.p.namespaces {
		out.Items = append(out.Items, corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{
				Name:              n,
				UID:               uid(a.p.name + "/" + n),
				ResourceVersion:   fmt.Sprint(211 + i*9973),
				CreationTimestamp: created,
				Labels:            map[string]string{"kubernetes.io/metadata.name": n},
			},
			Spec:   corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		})
	}
	return out
}

// metrics is a few lines of the real exposition: enough to show what an
// open /metrics hands a stranger (build, request mix, etcd object counts).
func (a *apiserver) metrics() string {
	v := a.p.info
	var b strings.Builder
	b.WriteString("# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.\n")
	b.WriteString("# TYPE apiserver_request_total counter\n")
	for _, n := range []struct {
		resource, verb string
		count          int
	}{{"namespaces", "LIST", 1187}, {"secrets", "LIST", 4410}, {"pods", "WATCH", 90211}} {
		fmt.Fprintf(&b, "apiserver_request_total{code=\"200\",component=\"apiserver\",dry_run=\"\",group=\"\",resource=%q,scope=\"cluster\",subresource=\"\",verb=%q,version=\"v1\"} %d\n", n.resource, n.verb, n.count)
	}
	b.WriteString("# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.\n")
	b.WriteString("# TYPE apiserver_storage_objects gauge\n")
	fmt.Fprintf(&b, "apiserver_storage_objects{resource=\"namespaces\"} %d\n", len(a.p.namespaces))
	b.WriteString("apiserver_storage_objects{resource=\"secrets\"} 342\n")
	b.WriteString("# HELP kubernetes_build_info [ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.\n")
	b.WriteString("# TYPE kubernetes_build_info gauge\n")
	fmt.Fprintf(&b, "kubernetes_build_info{build_date=%q,compiler=%q,git_commit=%q,git_tree_state=%q,git_version=%q,go_version=%q,major=%q,minor=%q,platform=%q} 1\n",
		v.BuildDate, v.Compiler, v.GitCommit, v.GitTreeState, v.GitVersion, v.GoVersion, v.Major, v.Minor, v.Platform)
	return b.String()
}

// writeJSON marshals v as the API server does: compact, except /version and
// the root listing, which kube-apiserver indents.
func writeJSON(w http.ResponseWriter, code int, v any, indent bool) {
	var body []byte
	var err error
	if indent {
		body, err = json.MarshalIndent(v, "", "  ")
	} else {
		body, err = json.Marshal(v)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(body, '\n'))
}

// uid is a stable UUID-shaped id, so object UIDs do not change between runs.
func uid(seed string) types.UID {
	s := sha256.Sum256([]byte(seed))
	return types.UID(formatUUID(s[:16]))
}

// auditID is a fresh request id, as kube-apiserver gives every request.
func auditID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return formatUUID(b)
}

func formatUUID(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
