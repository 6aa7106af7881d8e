// Package demo runs a fleet of lifelike Kubernetes API servers on 127.0.0.1,
// so that someone without a cluster can watch kubesurface judge real answers
// in seconds, and so that tests can scan every distribution shape end to end
// without cloud accounts.
//
// Each server has its own certificate chain, named the way that
// distribution's API server certificate is named, and answers anonymous
// requests the way that distribution does by default (or, for two of them,
// the way a misconfigured one does). Nothing is simulated inside the scanner:
// it probes these servers exactly as it probes real ones. The one thing the
// demo makes up is where some of them are: on loopback every server would
// look reachable from this host only, so the servers that imitate public
// endpoints are given, as their targets (Targets), the documentation address
// they stand for (203.0.113.0/24). The scan judges their reach from it, says
// so, and names them "(simulated)"; it still connects to 127.0.0.1 only.
package demo

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kubesurface/kubesurface/scan"
)

// Server is one running demo API server, as a user sees it listed.
type Server struct {
	// Name labels the server in a table (demo-eks), since its URL alone
	// says nothing about what it imitates.
	Name string
	// URL is where it listens: https://127.0.0.1:PORT.
	URL string
	// Shows says in one line what a scan of it should reveal, so a
	// newcomer knows what to look for.
	Shows string
	// StandsFor is the public address the demo presents it as, invalid
	// for a server shown as what it is (on loopback).
	StandsFor netip.Addr
}

// Simulated is what the name of a target standing for a public address
// ends with.
const Simulated = " (simulated)"

// Profiles lists what the fleet serves, one Server per server in the order
// Start starts them, without starting any (their URLs are empty): the
// demo's help text is made from it, so that it promises no more than is
// served.
func Profiles() []Server {
	out := make([]Server, len(profiles))
	for i, p := range profiles {
		out[i] = Server{Name: p.name, Shows: p.shows, StandsFor: standsFor(p)}
	}
	return out
}

func standsFor(p profile) netip.Addr {
	a, _ := netip.ParseAddr(p.standsFor)
	return a
}

// Fleet is a set of running demo servers; Close stops them all.
type Fleet struct {
	servers []Server
	https   []*http.Server
	wg      sync.WaitGroup
	once    sync.Once
}

// Start generates every server's certificates and starts serving on random
// 127.0.0.1 ports. ctx bounds the start only: the fleet serves until Close,
// so that callers decide its lifetime the way they do an httptest.Server's.
func Start(ctx context.Context) (*Fleet, error) {
	f := &Fleet{}
	now := time.Now()
	for _, p := range profiles {
		if err := ctx.Err(); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.start(ctx, p, now); err != nil {
			f.Close()
			return nil, fmt.Errorf("demo server %s: %w", p.name, err)
		}
	}
	return f, nil
}

func (f *Fleet) start(ctx context.Context, p profile, now time.Time) error {
	cert, err := issue(p.cert, now)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: &apiserver{p: p},
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			// kube-apiserver asks for a client certificate (its client CA
			// is configured) but lets anonymous and token requests through
			// without one; the scanner reports that it was asked.
			ClientAuth: tls.RequestClientCert,
			MinVersion: tls.VersionTLS12,
		},
		ReadHeaderTimeout: 10 * time.Second,
		// Scanners hang up mid-handshake on purpose; net/http would log
		// each one to stderr, across the TUI's screen.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	f.https = append(f.https, srv)
	f.servers = append(f.servers, Server{Name: p.name, URL: "https://" + ln.Addr().String(), Shows: p.shows, StandsFor: standsFor(p)})
	f.wg.Go(func() {
		// ServeTLS returns ErrServerClosed on Close; any other error ends
		// this one server, and its scan then shows the refusal.
		_ = srv.ServeTLS(ln, "", "")
	})
	return nil
}

// Servers lists the running servers in a stable order (the order of the
// fleet's definition), so rows and test tables line up run after run.
func (f *Fleet) Servers() []Server {
	return append([]Server(nil), f.servers...)
}

// Endpoints are the servers' URLs, in the order of Servers.
func (f *Fleet) Endpoints() []string {
	out := make([]string, len(f.servers))
	for i, s := range f.servers {
		out[i] = s.URL
	}
	return out
}

// Targets are the servers as the scanner's targets, in the order of
// Servers: each named for what it imitates (its URL, 127.0.0.1:PORT, says
// nothing of that), and those that imitate a public endpoint standing for
// their public address (scan.Target.StandsFor), named with Simulated.
func (f *Fleet) Targets() ([]scan.Target, error) {
	targets, err := scan.ParseEndpoints(f.Endpoints(), 0)
	if err != nil {
		return nil, err
	}
	if len(targets) != len(f.servers) {
		return nil, fmt.Errorf("demo: %s became %s", scan.Plural(len(f.servers), "server"), scan.Plural(len(targets), "target"))
	}
	for i, s := range f.servers {
		targets[i].Name = s.Name
		if s.StandsFor.IsValid() {
			targets[i].Name += Simulated
			targets[i].StandsFor = s.StandsFor
		}
	}
	return targets, nil
}

// Close stops every server, drops their connections and waits for their
// goroutines, so nothing outlives the fleet. It may be called more than once.
func (f *Fleet) Close() error {
	var errs []error
	f.once.Do(func() {
		for _, s := range f.https {
			if err := s.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		f.wg.Wait()
	})
	return errors.Join(errs...)
}
