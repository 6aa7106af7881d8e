package assess

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kubesurface/kubesurface/scan"
)

// nodeOnly is true for a CVE only in components that run on the nodes
// (kubelet, kube-proxy): the API server's version says nothing about them,
// the kubelets' versions do.
func nodeOnly(c CVE) bool {
	if len(c.Components) == 0 {
		return false
	}
	for _, x := range c.Components {
		if x != "kubelet" && x != "kube-proxy" {
			return false
		}
	}
	return true
}

var windowsWord = regexp.MustCompile(`(?i)\bwindows\b`)

// windowsOnly is true for a CVE that affects Windows nodes only. The data
// has no platform field; its titles name Windows where only Windows is hit.
func windowsOnly(c CVE) bool {
	return windowsWord.MatchString(c.Title)
}

func notNodeOnly(c CVE) bool { return !nodeOnly(c) }

// cvesFor matches CVEs on the component they are in: the API server's
// version for the control plane, each distinct kubelet version the
// authenticated probe saw for kubelet and kube-proxy CVEs, and Windows-only
// ones only where a node of that version runs Windows. What could not be
// checked is said in the notes and never raises the level.
func cvesFor(r *scan.Result, b *Bundle, pv scan.ParsedVersion) ([]scan.CVERef, []string) {
	server := memoized(b, "cves\x00server\x00"+cveVersion(pv), func() []scan.CVERef {
		return matchCVEsWhere(b.CVEs, cveVersion(pv), notNodeOnly)
	})
	var nodes []scan.Node
	if r.Auth != nil {
		nodes = r.Auth.Nodes
	}
	if len(nodes) == 0 {
		unchecked := memoized(b, "cves\x00node\x00"+cveVersion(pv), func() []scan.CVERef {
			return matchCVEsWhere(b.CVEs, cveVersion(pv), nodeOnly)
		})
		if len(unchecked) == 0 {
			return server, nil
		}
		var ids []string
		windows := 0
		for _, c := range unchecked {
			ids = append(ids, c.ID)
			if c.WindowsOnly {
				windows++
			}
		}
		note := fmt.Sprintf("%s in the kubelet or kube-proxy would affect nodes at %s (%s) but could not be checked: no node versions were seen (no credentials, or nodes not listable)",
			scan.Plural(len(unchecked), "CVE"), cveVersion(pv), strings.Join(first(ids, 3), ", "))
		if windows > 0 {
			note += fmt.Sprintf("; %d of them only on Windows nodes, and the nodes' OS is unknown", windows)
		}
		return server, []string{note}
	}

	// Distinct kubelet versions, with the OSes seen running each.
	type seen struct {
		windows, unknownOS bool
	}
	versions := map[string]*seen{}
	var order []string
	for _, n := range nodes {
		kv, err := scan.ParseVersion(n.KubeletVersion)
		if err != nil || kv.Major == 0 {
			continue
		}
		v := cveVersion(kv)
		s := versions[v]
		if s == nil {
			s = &seen{}
			versions[v] = s
			order = append(order, v)
		}
		switch strings.ToLower(n.OS) {
		case "windows":
			s.windows = true
		case "":
			s.unknownOS = true
		}
	}
	slices.Sort(order)
	out := slices.Clone(server)
	at := map[string]int{}
	var unknownOS []string
	for _, v := range order {
		s := versions[v]
		for _, c := range memoized(b, "cves\x00node\x00"+v, func() []scan.CVERef { return matchCVEsWhere(b.CVEs, v, nodeOnly) }) {
			if c.WindowsOnly && !s.windows {
				if s.unknownOS && !slices.Contains(unknownOS, c.ID) {
					unknownOS = append(unknownOS, c.ID)
				}
				continue
			}
			i, ok := at[c.ID]
			if !ok {
				// A copy: the memoized list is shared and read-only.
				c.Kubelets = nil
				out = append(out, c)
				i = len(out) - 1
				at[c.ID] = i
			}
			out[i].Kubelets = append(out[i].Kubelets, v)
			// Fixed for one kubelet version, open for another: the
			// upgrade that helps is the one still possible.
			out[i].Unfixed = out[i].Unfixed && c.Unfixed
		}
	}
	sortCVEs(out)
	var notes []string
	if len(unknownOS) > 0 {
		notes = append(notes, fmt.Sprintf("%s only on Windows nodes would affect kubelets whose node OS was not reported (%s): check whether they run Windows",
			scan.Plural(len(unknownOS), "CVE"), strings.Join(first(unknownOS, 3), ", ")))
	}
	return out, notes
}
