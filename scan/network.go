package scan

import (
	"context"
	"net"
	"net/netip"
)

// Address classes, from the widest reach to the narrowest.
const (
	ClassPublic    = "public"
	ClassCGNAT     = "cgnat"
	ClassPrivate   = "private"
	ClassLinkLocal = "link-local"
	ClassLoopback  = "loopback"
	ClassOther     = "other"
	// ClassUnknown is the reach of a target whose host did not resolve.
	ClassUnknown = "unknown"
)

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Classify says who can reach an address: the whole Internet (public), a
// carrier's shared space (cgnat), a private network (RFC 1918 / ULA), one
// link, or one host.
func Classify(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return ClassLoopback
	case a.IsLinkLocalUnicast():
		return ClassLinkLocal
	case a.IsPrivate():
		return ClassPrivate
	case a.Is4() && cgnat.Contains(a):
		return ClassCGNAT
	case a.IsGlobalUnicast():
		return ClassPublic
	}
	return ClassOther
}

// reachRank orders classes by how far they reach; higher is wider.
func reachRank(class string) int {
	switch class {
	case ClassPublic:
		return 5
	case ClassCGNAT:
		return 4
	case ClassPrivate:
		return 3
	case ClassLinkLocal:
		return 2
	case ClassLoopback:
		return 1
	}
	return 0
}

// widestReach is the class of the most reachable address: a host with one
// public address is public whatever else it has.
func widestReach(addrs []Address) string {
	best := ClassUnknown
	for _, a := range addrs {
		// "other" ranks no higher than unknown, but a host that resolved
		// has a class: unknown is only for one that did not.
		if best == ClassUnknown || reachRank(a.Class) > reachRank(best) {
			best = a.Class
		}
	}
	return best
}

// resolve returns every address of host; an IP literal resolves to itself.
func resolve(ctx context.Context, r *net.Resolver, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, nil
}
