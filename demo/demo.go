// Package demo runs a fleet of lifelike Kubernetes API servers on 127.0.0.1,
// so that someone without a cluster can watch kubesurface judge real answers
// in seconds, and so that tests can scan every distribution shape end to end
// without cloud accounts.
//
// Each server has its own certificate chain, named the way that
// distribution's API server certificate is named, and answers anonymous
// requests the way that distribution does by default (or, for two of them,
// the way a misconfigured one does). Nothing is simulated inside the scanner:
// it probes these servers exactly as it probes real ones.
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
	"sync"
	"time"
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
	f.servers = append(f.servers, Server{Name: p.name, URL: "https://" + ln.Addr().String(), Shows: p.shows})
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
