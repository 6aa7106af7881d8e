package scan

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for what the authenticated probe reads about the cluster's
// make: its nodes' labels and provider IDs, and OpenShift's ClusterVersion.
// The context's own server says these, but a server is not trusted for
// being the one the kubeconfig names.

// FuzzNodePage: any node list page decodes, or fails with one clean line,
// without a panic; every node kept names a known provider (never a label
// value or more of a provider ID than its scheme), and its operating
// system is a short, cut value.
func FuzzNodePage(f *testing.F) {
	var all []string
	for _, c := range providerCases {
		all = append(all, c.node)
		f.Add([]byte(`{"kind":"NodeList","metadata":{},"items":[` + c.node + `]}`))
	}
	f.Add([]byte(`{"kind":"NodeList","metadata":{"continue":"x"},"items":[` + strings.Join(all, ",") + `]}`))
	f.Add([]byte(`{"items":[{"metadata":{"labels":null},"spec":{"providerID":null}}]}`))
	f.Add([]byte(`{"items":[{"metadata":{"labels":["eks.amazonaws.com/nodegroup"]}}]}`))
	f.Add([]byte(`{"items":[{"metadata":{"labels":{"oke.oraclecloud.com/":{"deep":[1,2,{"x":"y"}]}}},"spec":{"providerID":"ocid1.instance."}}]}`))
	f.Add([]byte(`{"items":[{"spec":{"providerID":"AWS://x"},"status":{"nodeInfo":{"operatingSystem":"` + strings.Repeat("é", 40) + `"}}}]}`))
	f.Add([]byte(`{"items":[{"spec":{"providerID":"` + strings.Repeat("a", 40) + `://x"}},{"spec":{"providerID":"kind://"}},{"spec":{"providerID":"://x"}}]}`))
	f.Add([]byte(`{"items":[{"metadata":{"labels":{"eks.amazonaws.com/nodegroup":"a","eks.amazonaws.com/nodegroup":"b"}}}]}`))
	f.Fuzz(func(t *testing.T, page []byte) {
		var nodes []Node
		_, err := decodeNodePage(bytes.NewReader(page), func(it nodeItem) { nodes = append(nodes, it.node()) })
		if err != nil {
			checkMessage(t, err.Error())
		}
		for _, n := range nodes {
			if !slices.Contains(nodeProviders, n.Provider) {
				t.Fatalf("provider %q", n.Provider)
			}
			if len(n.OS) > maxNodeOSLen+len("…") || utf8.Valid(page) && !utf8.ValidString(n.OS) {
				t.Fatalf("os %q", n.OS)
			}
		}
	})
}

// FuzzClusterVersion: any answer at the ClusterVersion path is a
// ClusterVersion or an error in one clean line; a version kept parses as
// a release, and the channel is cut short.
func FuzzClusterVersion(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","spec":{"channel":"stable-4.18"},` +
		`"status":{"desired":{"version":"4.18.3"},"history":[{"state":"Completed","version":"4.18.3"}]}}`))
	f.Add([]byte(`{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","status":{"desired":{"version":""},` +
		`"history":[{"state":"Partial","version":"4.19.0"},{"state":"Completed","version":"4.18.12"}]}}`))
	f.Add([]byte(`{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","spec":{"channel":"` + strings.Repeat("\u202e", 40) + `"},` +
		`"status":{"desired":{"version":"4.18.3\u001b[2J"},"history":null}}`))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ClusterVersion"}`))
	f.Add([]byte(`{"kind":"Status","code":404}`))
	f.Add([]byte(`{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","status":{"desired":{"version":"v99999999999999999999.0.0"}}}`))
	f.Add([]byte("<html>"))
	f.Add([]byte(`{"apiVersion":"config.openshift.io/v1","kind":"ClusterVersion","status":{"history":[{"state":"Completed","version":7}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ov, err := parseClusterVersion(bytes.NewReader(body))
		if err != nil {
			checkMessage(t, err.Error())
			if ov != nil {
				t.Fatalf("%+v with error %v", ov, err)
			}
			return
		}
		if ov.Version != "" {
			if _, perr := ParseVersion(ov.Version); perr != nil || len(ov.Version) > maxVersionLen {
				t.Fatalf("version %q", ov.Version)
			}
		}
		if len(ov.Channel) > maxChannelLen+len("…") {
			t.Fatalf("channel is %d bytes", len(ov.Channel))
		}
	})
}
