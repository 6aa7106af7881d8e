package scan

import (
	"context"
	"fmt"
	"iter"
	"math/big"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Plan is the targets of a scan, generated as they are probed rather than
// held: a CIDR block is kept as its prefix and ports, so 127.0.0.0/8 on two
// ports costs a few bytes until each of its 33 million targets is made,
// probed and dropped. Everything else (kubeconfig contexts, host names,
// saved results) is a list, bounded by the input it was read from.
//
// All yields the same targets, in the same order, as expanding every
// input and de-duplicating the whole list would (ParseEndpoints, Dedupe):
// a target is dropped when an earlier part of the plan would yield its
// row, which for a block is a look at the few earlier blocks that overlap
// it and at the listed targets, never at the targets already made.
type Plan struct {
	parts []planPart
	// first is where each listed target first appears: a later copy,
	// and a block's target that a list gave earlier, is dropped.
	first map[string]planPos
	// blocks is how many targets the blocks hold before de-duplication,
	// listed how many distinct targets the endpoint lists add: together,
	// what --max-targets bounds.
	blocks         int64
	listed         int64
	shardI, shardN int
}

type planPos struct{ part, i int }

// planPart is a list of targets or one CIDR block.
type planPart struct {
	targets []Target
	block   *block
}

// block is a CIDR block on some ports; overlaps are the earlier blocks
// that share an address and a port with it.
type block struct {
	prefix netip.Prefix
	ports  []int
	// size is how many targets it holds before its unspecified and
	// multicast addresses are skipped.
	size     int64
	overlaps []*block
}

// each yields the address and port of every target of the block, in
// order, skipping the addresses no server can have (0.0.0.0 of
// 0.0.0.0/30, a multicast block).
func (b *block) each(yield func(netip.Addr, int) bool) {
	for a := b.prefix.Addr(); a.IsValid() && b.prefix.Contains(a); a = a.Next() {
		if _, err := probeable(a); err != nil {
			continue
		}
		for _, port := range b.ports {
			if !yield(a, port) {
				return
			}
		}
	}
}

// expand makes every target of the block at once (the eager expansion),
// stopping with ctx.Err() when ctx ends.
func (b *block) expand(ctx context.Context) ([]Target, error) {
	// Grown as built rather than sized up front: a raised --max-targets
	// must not reserve gigabytes before the first address.
	out := make([]Target, 0, min(b.size, expandCheck))
	for a, port := range b.each {
		if len(out)%expandCheck == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		out = append(out, rangeTarget(a, port))
	}
	return out, nil
}

func (b *block) holds(a netip.Addr, port int) bool {
	return b.prefix.Contains(a) && slices.Contains(b.ports, port)
}

// NewPlan is an empty plan.
func NewPlan() *Plan { return &Plan{first: map[string]planPos{}} }

// PlanOf is a plan of targets as given.
func PlanOf(targets []Target) *Plan {
	p := NewPlan()
	p.Add(targets...)
	return p
}

// Add appends targets (kubeconfig contexts, saved results' targets) to the
// plan.
func (p *Plan) Add(targets ...Target) {
	if len(targets) == 0 {
		return
	}
	k := len(p.parts)
	if k > 0 && p.parts[k-1].block == nil {
		k--
	} else {
		p.parts = append(p.parts, planPart{})
	}
	part := &p.parts[k]
	for _, t := range targets {
		if _, seen := p.first[t.key()]; !seen {
			p.first[t.key()] = planPos{k, len(part.targets)}
		}
		part.targets = append(part.targets, t)
	}
}

// AddEndpoints parses inputs as ParseEndpoints does and appends them;
// CIDR blocks are counted, not expanded. More than max targets from the
// endpoints in all (blocks counted before de-duplication) is an error,
// and so is any input ParseEndpoints refuses.
func (p *Plan) AddEndpoints(ctx context.Context, inputs []string, max int) error {
	if max <= 0 {
		max = DefaultMaxTargets
	}
	for _, in := range inputs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ts, b, err := parseEndpoint(in, max)
		if err != nil {
			return inputError{in: in, err: err}
		}
		if b != nil {
			if total := p.blocks + p.listed + b.size; total > int64(max) {
				return fmt.Errorf("endpoint %q: brings the list to %d targets, more than --max-targets %d", redact(in), total, max)
			}
			p.blocks += b.size
			for _, q := range p.parts {
				if q.block != nil && q.block.prefix.Overlaps(b.prefix) && slices.ContainsFunc(q.block.ports, func(port int) bool { return slices.Contains(b.ports, port) }) {
					b.overlaps = append(b.overlaps, q.block)
				}
			}
			p.parts = append(p.parts, planPart{block: b})
			continue
		}
		before := len(p.first)
		p.Add(ts...)
		p.listed += int64(len(p.first) - before)
		if total := p.blocks + p.listed; total > int64(max) {
			return fmt.Errorf("endpoint %q: brings the list to %d targets, more than --max-targets %d", redact(in), total, max)
		}
	}
	return nil
}

// parseBlock reads a CIDR block, optionally with a port
// (10.0.0.0/28:6443, [fd00::/120]:6443); one that holds more than max
// targets, or no address a server can have, is an error.
func parseBlock(s string, max int) (*block, error) {
	ports := DefaultPorts
	prefixText := s
	if i := strings.LastIndexByte(s, ':'); i > strings.IndexByte(s, '/') {
		port, err := parsePort(s[i+1:])
		if err != nil {
			return nil, err
		}
		ports, prefixText = []int{port}, strings.Trim(s[:i], "[]")
	}
	prefix, err := netip.ParsePrefix(prefixText)
	if err != nil {
		return nil, fmt.Errorf("not a CIDR block: %v", err)
	}
	prefix = prefix.Masked()
	bits := prefix.Addr().BitLen() - prefix.Bits()
	count := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	count.Mul(count, big.NewInt(int64(len(ports))))
	if !count.IsInt64() || count.Int64() > int64(max) {
		return nil, fmt.Errorf("expands to %s targets, more than --max-targets %d", count, max)
	}
	if !holdsServers(prefix) {
		return nil, fmt.Errorf("%s holds only unspecified or multicast addresses, which name no server", prefix)
	}
	return &block{prefix: prefix, ports: ports, size: count.Int64()}, nil
}

// holdsServers is whether any address of prefix can name a server. Only
// the unspecified addresses and multicast blocks cannot: a block is either
// inside a multicast block, or holds at most one unspecified address (its
// first) and reaches past any multicast block it starts with (to its last).
func holdsServers(prefix netip.Prefix) bool {
	a := prefix.Addr()
	candidates := []netip.Addr{a, a.Next(), lastAddr(prefix)}
	return slices.ContainsFunc(candidates, func(c netip.Addr) bool {
		if !c.IsValid() || !prefix.Contains(c) {
			return false
		}
		_, err := probeable(c)
		return err == nil
	})
}

// lastAddr is the highest address of prefix.
func lastAddr(prefix netip.Prefix) netip.Addr {
	b := prefix.Addr().AsSlice()
	for i := prefix.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Shard keeps only shard i of n of the de-duplicated targets (see Shard).
func (p *Plan) Shard(i, n int) { p.shardI, p.shardN = i, n }

// Ranges is whether the plan holds a CIDR block.
func (p *Plan) Ranges() bool {
	return slices.ContainsFunc(p.parts, func(q planPart) bool { return q.block != nil })
}

// Count is at most how many targets All yields: exact without blocks,
// before de-duplication and sharding with them.
func (p *Plan) Count() int64 { return p.blocks + int64(len(p.first)) }

// Listed yields the targets All yields from the plan's lists, in All's
// order, without making a block's targets: a consumer that shows only the
// range targets that answer (the TUI on a large block) shows the listed
// ones, waiting, before the scan reaches them, however far into the plan
// they come.
func (p *Plan) Listed() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for k := range p.parts {
			if !p.yieldListed(k, yield) {
				return
			}
		}
	}
}

// yieldListed yields the listed targets of part k that All keeps; false
// when yield asked to stop.
func (p *Plan) yieldListed(k int, yield func(Target) bool) bool {
	for i, t := range p.parts[k].targets {
		if p.listedDup(k, i, t) || !p.inShard(t) {
			continue
		}
		if !yield(t) {
			return false
		}
	}
	return true
}

// Targets is every target of the plan, made at once: for consumers that
// need them all (a small plan, or a format written at the end).
func (p *Plan) Targets() []Target {
	var out []Target
	for t := range p.All() {
		out = append(out, t)
	}
	return out
}

// All yields the plan's targets, de-duplicated and sharded, each made as
// it is asked for.
func (p *Plan) All() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for k, q := range p.parts {
			if q.block == nil {
				if !p.yieldListed(k, yield) {
					return
				}
				continue
			}
			for a, port := range q.block.each {
				if slices.ContainsFunc(q.block.overlaps, func(o *block) bool { return o.holds(a, port) }) {
					continue
				}
				t := rangeTarget(a, port)
				if pos, ok := p.first[t.key()]; ok && pos.part < k {
					continue
				}
				if p.inShard(t) && !yield(t) {
					return
				}
			}
		}
	}
}

// listedDup is whether the listed target t, at index i of part k, was
// yielded before: listed earlier, or made by an earlier block.
func (p *Plan) listedDup(k, i int, t Target) bool {
	if pos := p.first[t.key()]; pos != (planPos{k, i}) {
		return true
	}
	if t.Source != SourceEndpoint {
		return false
	}
	a, err := netip.ParseAddr(t.Host)
	if err != nil {
		return false
	}
	for _, q := range p.parts[:k] {
		if q.block != nil && q.block.holds(a, t.Port) && rangeTarget(a, t.Port).key() == t.key() {
			return true
		}
	}
	return false
}

func (p *Plan) inShard(t Target) bool {
	return p.shardN == 0 || shardOf(t.Ref, p.shardN) == p.shardI
}

// rangeTarget is the target a CIDR block makes of address a and port.
func rangeTarget(a netip.Addr, port int) Target {
	s := a.String()
	t := endpoint(net.JoinHostPort(s, strconv.Itoa(port)), s, port, "", false)
	t.Range = true
	return t
}
