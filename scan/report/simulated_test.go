package report

import (
	"strings"
	"testing"

	"github.com/kubesurface/kubesurface/scan"
)

// TestSimulatedAddressIsSaidSo: the address a demo server stands for is
// marked as simulated wherever the row's addresses are shown (the
// reports and the TUI's detail view share these sections); a real one
// is not.
func TestSimulatedAddressIsSaidSo(t *testing.T) {
	r := scan.Result{Target: scan.Ref{Name: "demo-eks (simulated)"}, Addresses: []scan.Address{
		{IP: "203.0.113.10", Class: scan.ClassPublic, Simulated: true},
		{IP: "127.0.0.1", Class: scan.ClassLoopback},
	}}
	var rows [][]Cell
	for _, s := range Sections(r) {
		if s.Title != SectionNetwork {
			continue
		}
		for _, b := range s.Blocks {
			if b.Table != nil {
				rows = append(rows, b.Table.Rows...)
			}
		}
	}
	if len(rows) != 2 {
		t.Fatalf("want two address rows, got %v", rows)
	}
	if c := rows[0][1].Text; !strings.Contains(c, "simulated") || !strings.HasPrefix(c, "public") {
		t.Errorf("the simulated address's class reads %q", c)
	}
	if c := rows[1][1].Text; c != "loopback" {
		t.Errorf("the real address's class reads %q", c)
	}
}
