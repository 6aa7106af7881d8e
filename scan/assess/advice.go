package assess

import (
	"fmt"

	utilversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/kubesurface/kubesurface/scan"
)

// Cadence is the upgrade rhythm that keeps clusters out of forced,
// multi-minor upgrades.
const Cadence = "upgrade every 3 months, one minor at a time; never let a cluster go more than 9-12 months without a minor upgrade"

// advise builds the upgrade path and the ways to close the exposure.
func advise(r *scan.Result, b *Bundle) *scan.Advice {
	a := &scan.Advice{Cadence: Cadence}
	if r.Version != nil {
		if pv, err := scan.ParseVersion(r.Version.GitVersion); err == nil && pv.Major > 0 {
			cal := calendarFor(r.Dist.Name)
			if d := b.Lifecycle[cal]; d != nil {
				_, newest, _ := findRelease(d, cal, pv, "")
				a.Path = memoized(b, "path\x00"+pv.Minor+"\x00"+newest, func() []scan.Hop { return path(pv.Minor, newest, b.Removals) })
				if len(a.Path) > 0 && newer(a.Path[len(a.Path)-1].To, newestRemoval(b.Removals)) {
					a.Notes = append(a.Notes, fmt.Sprintf("removed-API data covers minors up to %s; check the release notes of later minors", newestRemoval(b.Removals)))
				}
			}
			// Every provider build is matched on its upstream base,
			// whichever calendar it follows: known by its suffix (-eks-,
			// -gke., +k3s, +rke2, OpenShift's +commit) or, where the version
			// is plain upstream (OpenShift 4.17 and later), by the
			// distribution the evidence recognised. A pre-release is
			// upstream's own and matched as is.
			if preRelease(pv) == "" && (pv.Suffix != "" || providerBuilds[r.Dist.Name]) {
				who := r.Dist.Name
				if who == "" || who == scan.DistUnknown {
					who = "the provider"
				}
				a.Notes = append(a.Notes, fmt.Sprintf("CVEs are matched on the upstream base version %s; %s may have back-ported fixes into its build %s", pv.Semver, who, r.Version.GitVersion))
			}
		}
	}
	if au := r.Auth; au != nil && au.Error == "" && au.Metrics != nil && au.Metrics.ErrorKind == scan.AuthForbidden {
		a.Grant = []scan.Step{metricsGrant(au.User)}
	}
	if r.Exposure.Level != scan.LevelNone && r.Exposure.Access != scan.AccessUnreachable {
		a.Restrict = memoized(b, "restrict\x00"+r.Dist.Name+"\x00"+r.Exposure.Access, func() []scan.Step { return restrict(r.Dist.Name, r.Exposure) })
	}
	return a
}

// providerBuilds are the distributions that ship builds of their own,
// into which they may back-port fixes, whatever version they report.
var providerBuilds = map[string]bool{
	scan.DistEKS: true, scan.DistEKSD: true, scan.DistGKE: true,
	scan.DistK3s: true, scan.DistRKE2: true, scan.DistOpenShift: true,
}

// path lists the hops from minor to newest, one minor at a time, with what
// each hop stops serving.
func path(from, to string, removals []Removal) []scan.Hop {
	a, err1 := utilversion.ParseMajorMinor(from)
	z, err2 := utilversion.ParseMajorMinor(to)
	if err1 != nil || err2 != nil || a.Major() != z.Major() || !z.GreaterThan(a) {
		return nil
	}
	removed := map[string][]string{}
	for _, r := range removals {
		removed[r.Minor] = r.Removed
	}
	var hops []scan.Hop
	for m := a.Minor(); m < z.Minor(); m++ {
		f, t := fmt.Sprintf("%d.%d", a.Major(), m), fmt.Sprintf("%d.%d", a.Major(), m+1)
		hops = append(hops, scan.Hop{From: f, To: t, Removes: removed[t]})
	}
	return hops
}

func newestRemoval(removals []Removal) string {
	newest := "0.0"
	for _, r := range removals {
		if newer(r.Minor, newest) {
			newest = r.Minor
		}
	}
	return newest
}

// restrict gives the provider's own way to narrow who can reach the API
// server, then what to do about anonymous access. CLUSTER, REGION and
// ADMIN_CIDR are placeholders for the user's values.
func restrict(dist string, e scan.Exposure) []scan.Step {
	var steps []scan.Step
	switch dist {
	case scan.DistEKS:
		steps = append(steps,
			scan.Step{Title: "EKS: allow the public endpoint only from your CIDRs", Commands: []string{
				`aws eks update-cluster-config --region REGION --name CLUSTER --resources-vpc-config endpointPublicAccess=true,publicAccessCidrs="ADMIN_CIDR",endpointPrivateAccess=true`}},
			scan.Step{Title: "EKS: or make the endpoint private", Commands: []string{
				`aws eks update-cluster-config --region REGION --name CLUSTER --resources-vpc-config endpointPublicAccess=false,endpointPrivateAccess=true`}})
	case scan.DistGKE:
		steps = append(steps,
			scan.Step{Title: "GKE: authorized networks", Commands: []string{
				`gcloud container clusters update CLUSTER --location REGION --enable-master-authorized-networks --master-authorized-networks ADMIN_CIDR`}},
			scan.Step{Title: "GKE: or a private endpoint only", Commands: []string{
				`gcloud container clusters update CLUSTER --location REGION --enable-private-endpoint`}})
	case scan.DistAKS:
		steps = append(steps,
			scan.Step{Title: "AKS: authorized IP ranges", Commands: []string{
				`az aks update --resource-group RG --name CLUSTER --api-server-authorized-ip-ranges ADMIN_CIDR`}},
			scan.Step{Title: "AKS: or a private cluster (API server VNet integration)", Commands: []string{
				`az aks update --resource-group RG --name CLUSTER --enable-apiserver-vnet-integration --enable-private-cluster`}})
	case scan.DistDigitalOcean:
		steps = append(steps, scan.Step{Title: "DOKS: allow the control plane only from your CIDRs (control plane firewall)", Commands: []string{
			`doctl kubernetes cluster update CLUSTER --enable-control-plane-firewall --control-plane-firewall-allowed-addresses ADMIN_CIDR`}})
	case scan.DistLKE:
		steps = append(steps, scan.Step{Title: "LKE: allow the control plane only from your CIDRs (control plane ACL)", Commands: []string{
			`linode-cli lke cluster-acl-update CLUSTER_ID --acl.enabled true --acl.addresses.ipv4 ADMIN_CIDR`}})
	case scan.DistOKE:
		steps = append(steps,
			scan.Step{Title: "OKE: put the endpoint behind a network security group that admits only your CIDRs", Commands: []string{
				`oci ce cluster update-endpoint-config --cluster-id CLUSTER_OCID --nsg-ids '["NSG_OCID"]'   # NSG ingress: tcp 6443 from ADMIN_CIDR only`}},
			scan.Step{Title: "OKE: or take the public IP off the endpoint", Commands: []string{
				`oci ce cluster update-endpoint-config --cluster-id CLUSTER_OCID --is-public-ip-enabled false`}})
	case scan.DistOpenShift:
		steps = append(steps, scan.Step{Title: "OpenShift: publish the API internally only", Commands: []string{
			`# installer: set publish: Internal in install-config.yaml; on a running cluster restrict the api load balancer's security group or firewall to ADMIN_CIDR`}})
	default:
		steps = append(steps,
			scan.Step{Title: "Self-managed: firewall the API port to admin networks", Commands: []string{
				`iptables -A INPUT -p tcp --dport 6443 -s ADMIN_CIDR -j ACCEPT`,
				`iptables -A INPUT -p tcp --dport 6443 -j DROP`}},
			scan.Step{Title: "Self-managed: or reach it only through a VPN or bastion", Commands: []string{
				`ssh -L 6443:127.0.0.1:6443 bastion   # then kubectl --server https://127.0.0.1:6443`}})
	}
	switch e.Access {
	case scan.AccessRead, scan.AccessDiscovery:
		steps = append(steps, scan.Step{Title: "Remove what grants anonymous users access", Commands: []string{
			`kubectl get clusterrolebindings,rolebindings -A -o json | jq -r '.items[] | select(any(.subjects[]?; .name=="system:anonymous" or .name=="system:unauthenticated")) | .metadata.name'`,
			`# then delete those bindings, or run kube-apiserver with --anonymous-auth=false`}})
	case scan.AccessVersion:
		steps = append(steps, scan.Step{Title: "Stop disclosing the version to anonymous users", Commands: []string{
			`# kube-apiserver: --anonymous-auth=false, or an AuthenticationConfiguration whose anonymous conditions allow only /healthz, /livez and /readyz`}})
	}
	return steps
}
