package scan

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// ParseShard reads "I/N", shard I (0-based) of N, as --shard takes it.
func ParseShard(s string) (i, n int, err error) {
	is, ns, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(is)
		if err == nil {
			n, err = strconv.Atoi(ns)
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, e.g. 0/4 (an Indexed Job passes $(JOB_COMPLETION_INDEX)/N)", s)
	}
	return i, n, nil
}

// Shard keeps the targets of shard i of n. A target's shard depends only on
// its identity (source, context, URL), never on its position or on the
// machine, so n workers given the same inputs in any order split them
// disjointly and completely, with no coordination between them.
func Shard(targets []Target, i, n int) []Target {
	out := targets[:0:0]
	for _, t := range targets {
		if shardOf(t.Ref, n) == i {
			out = append(out, t)
		}
	}
	return out
}

// shardOf is the first 8 bytes of SHA-256(source NUL context NUL URL), big
// endian, modulo n: simple enough to reproduce elsewhere. Not FNV: the low
// bits of FNV-1a depend only on the low bits of each input byte, so modulo
// a power of two it would split runs of sequential addresses (a CIDR
// block) unevenly.
func shardOf(r Ref, n int) int {
	sum := sha256.Sum256([]byte(r.key()))
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}
