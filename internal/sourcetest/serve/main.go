// Command serve serves the recorded source answers on 127.0.0.1 for
// scripts (.ci/release-check): it prints the base URL, then serves until
// SIGINT or SIGTERM. Tests use package sourcetest directly.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubesurface/kubesurface/internal/sourcetest"
)

func main() {
	dir := flag.String("dir", "scan/assess/testdata", "directory of the recorded answers")
	today := flag.Bool("today", false, "the CVE feed says it was updated now, as the live feed would")
	flag.Parse()
	s, err := sourcetest.New(*dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	if *today {
		s.Stamp(time.Now())
	}
	// Loopback only: these answers stand in for public services and must
	// never be mistaken for them by anything else on the network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: s}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}
