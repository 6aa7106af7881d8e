package scan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kubesurface/kubesurface/internal/clean"
	"github.com/kubesurface/kubesurface/scan/credential"
)

// probe runs every phase for one target, emitting a copy of the result after
// each. Failures are recorded, never returned: one bad target only ever
// spoils its own row.
//
// The authenticated phase needs nothing the network phases learn, so for a
// kubeconfig target it runs alongside them: on a slow link the probe then
// costs the longer of the two, not their sum. Each side fills its own part
// of the result (the network side r, the authenticated side auth) and every
// update is merged from both under one lock, so a consumer sees each phase
// arrive whole, in whichever order they finish.
func (s *Scanner) probe(ctx context.Context, t Target, creds *credential.Batch, emit func(Result)) {
	r := Pending(t)
	r.State, r.StartedAt = StateProbing, s.opts.Now().UTC()
	emit(r.clone())

	var (
		mu     sync.Mutex
		latest = r.clone() // the network side's last update
		auth   *Auth       // the authenticated side's answer, once it has one
	)
	netEmit := func(c Result) {
		mu.Lock()
		defer mu.Unlock()
		latest = c
		c.Auth = auth
		emit(c)
	}
	authDone := make(chan struct{})
	if t.Rest != nil && t.ConfigError == "" && ctx.Err() == nil {
		// Not after a stop: that would start a credential plugin for
		// nothing.
		go func() {
			defer close(authDone)
			a := redactAuth(s.authenticated(ctx, t, creds), t)
			if ctx.Err() != nil && a.Error != "" {
				// The stop, not the server or the plugin, ended it.
				a = &Auth{LatencyMS: a.LatencyMS, Error: "cancelled: the scan was stopped first", ErrorKind: AuthOther}
			}
			mu.Lock()
			defer mu.Unlock()
			auth = a
			c := latest.clone()
			c.Auth, c.Phase = a, PhaseAuth
			emit(c)
		}()
	} else {
		close(authDone)
	}

	conn, addr := s.reach(ctx, t, &r, netEmit)
	if addr.IsValid() {
		s.anonymous(ctx, t, addr, conn, &r)
		for i := range r.Anonymous {
			r.Anonymous[i].Error = clean.Redact(r.Anonymous[i].Error)
		}
		r.Phase = PhaseHTTP
		netEmit(r.clone())
	}
	<-authDone
	r.Auth = auth // the goroutine, if any, has ended: no lock needed
	if t.ConfigError != "" {
		r.Auth = redactAuth(s.authenticated(ctx, t, creds), t)
		r.Phase = PhaseAuth
		emit(r.clone())
	}

	judge(&r)
	switch {
	case ctx.Err() != nil:
		cancelled(&r)
	case r.State == StateProbing:
		r.State = StateDone
	}
	r.finish(s.opts.Now().UTC())
	emit(r.clone())
}

// cancelled marks the result of a probe the scan's stop cut short. What
// was seen before the stop stays; an "unreachable" verdict drawn from a
// connection the stop itself broke does not, since it would claim the
// server is down and, saved, replace what an earlier run learned.
func cancelled(r *Result) {
	r.State = StateCancelled
	e := &r.Exposure
	if e.Access == AccessUnreachable && (len(r.Errors) == 0 || strings.HasSuffix(r.Errors[0].Error, "cancelled")) {
		e.Access, e.Level = AccessUnknown, LevelNone
		e.Reasons = []string{fmt.Sprintf("%s reach, %s access", e.Reach, e.Access), "the scan was stopped before this probe reached the server"}
		return
	}
	if e.Access != AccessUnreachable {
		e.Reasons = append(e.Reasons, "the scan was stopped before this probe finished: anonymous access may go further than seen")
	}
}

// addressesOf lists the addresses a host resolved to, with their classes;
// standsFor, when valid and every address is loopback (a demo server),
// comes first, marked simulated. It is never dialled: only addrs are.
func addressesOf(addrs []netip.Addr, standsFor netip.Addr) []Address {
	out := make([]Address, 0, len(addrs)+1)
	if standsFor.IsValid() && len(addrs) > 0 && !slices.ContainsFunc(addrs, func(a netip.Addr) bool { return !a.Unmap().IsLoopback() }) {
		out = append(out, Address{IP: standsFor.String(), Class: Classify(standsFor), Simulated: true})
	}
	for _, a := range addrs {
		out = append(out, Address{IP: a.String(), Class: Classify(a)})
	}
	return out
}

// reach resolves, connects and (unless the target is plain HTTP) does the
// observing TLS handshake. It returns the open TLS connection for the HTTP
// probes to reuse, and the address that answered.
func (s *Scanner) reach(ctx context.Context, t Target, r *Result, emit func(Result)) (*tls.Conn, netip.Addr) {
	if t.Host == "" {
		r.fail(PhaseResolve, "no server to probe")
		r.State = StateFailed
		return nil, netip.Addr{}
	}
	rctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	addrs, err := resolve(rctx, s.opts.Resolver, t.Host)
	cancel()
	r.Phase = PhaseResolve
	if err != nil {
		r.fail(PhaseResolve, describeNetErr("resolve "+t.Host, err))
		r.State = StateFailed
		emit(r.clone())
		return nil, netip.Addr{}
	}
	r.Addresses = addressesOf(addrs, t.StandsFor)
	emit(r.clone())

	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	raw, addr, err := dialFirst(cctx, addrs, t.Port)
	cancel()
	r.Phase = PhaseConnect
	r.Connect = &Connect{LatencyMS: ms(time.Since(start))}
	if err != nil {
		r.Connect.Error = clean.Redact(describeNetErr("connect", err))
		r.fail(PhaseConnect, r.Connect.Error)
		r.State = StateFailed
		emit(r.clone())
		return nil, netip.Addr{}
	}
	r.Connect.Address = net.JoinHostPort(addr.String(), strconv.Itoa(t.Port))
	emit(r.clone())

	if t.Plaintext {
		raw.Close()
		r.TLS = &TLS{Plaintext: true}
		return nil, addr
	}
	requested := false
	serverName := t.ServerName
	if serverName == "" {
		serverName = t.Host
	}
	tc := tls.Client(&corkConn{Conn: raw}, observeConfig(serverName, &requested))
	start = time.Now()
	hctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	err = tc.HandshakeContext(hctx)
	cancel()
	r.Phase = PhaseTLS
	r.TLS = &TLS{LatencyMS: ms(time.Since(start))}
	if err != nil {
		tc.Close()
		msg, plain := classifyHandshakeError(err)
		r.TLS.Error, r.TLS.Plaintext = clean.Redact(msg), plain
		r.fail(PhaseTLS, msg)
		emit(r.clone())
		if plain {
			// An API server on plain HTTP (the old insecure port) is the
			// worst exposure there is: probe it as it is.
			return nil, addr
		}
		return nil, netip.Addr{}
	}
	r.TLS.ClientCertRequested = requested
	describeTLS(r.TLS, tc.ConnectionState(), s.opts.Now())
	emit(r.clone())
	return tc, addr
}

// dialFirst connects to the first address that answers.
func dialFirst(ctx context.Context, addrs []netip.Addr, port int) (net.Conn, netip.Addr, error) {
	var d net.Dialer
	var firstErr error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return c, a, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no address to connect to")
	}
	return nil, netip.Addr{}, firstErr
}

// fail records a phase's error. Like every error text a result keeps
// about its target, it passes clean.Redact on the way in: error texts are
// where a URL's user info or query (a kubeconfig server given as
// https://user:password@host) would otherwise reach every output format.
func (r *Result) fail(p Phase, msg string) {
	r.Errors = append(r.Errors, PhaseFailure{Phase: p, Error: clean.Redact(msg)})
}

// redactAuth hides user info and queries in the authenticated view's error
// and warnings: client-go's messages quote the request URL, built from the
// kubeconfig's server, and others quote the server as written, which may
// have no scheme for clean.Redact to find it by (token@host:6443): the
// server's own user info and query are hidden wherever they appear.
func redactAuth(a *Auth, t Target) *Auth {
	if a == nil {
		return nil
	}
	server := ""
	if t.Rest != nil {
		server = t.Rest.Host
	}
	a.Error = clean.Hide(a.Error, server)
	for i, w := range a.Warnings {
		a.Warnings[i] = clean.Hide(w, server)
	}
	return a
}

// clone copies the slices a later phase appends to, so an emitted Update
// never changes under its consumer.
func (r *Result) clone() Result {
	c := *r
	c.Addresses = append([]Address(nil), r.Addresses...)
	c.Anonymous = append([]Request(nil), r.Anonymous...)
	c.Errors = append([]PhaseFailure(nil), r.Errors...)
	if r.TLS != nil {
		t := *r.TLS
		c.TLS = &t
	}
	if r.Connect != nil {
		cn := *r.Connect
		c.Connect = &cn
	}
	return c
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// describeNetErr says what went wrong in the words an admin uses.
func describeNetErr(what string, err error) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return what + ": timed out"
	case errors.Is(err, context.Canceled):
		return what + ": cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return what + ": connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return what + ": connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return what + ": no route to host"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return what + ": no such host"
	case errors.Is(err, net.ErrClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return what + ": connection closed by the server"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return what + ": timed out"
	}
	return fmt.Sprintf("%s: %v", what, err)
}
