package demo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// certSpec names a server's chain the way its distribution names it; the
// scanner recognises distributions by these names, so they are the point.
type certSpec struct {
	ca      pkix.Name
	subject pkix.Name
	dns     []string
	ips     []string
	// expired backdates the leaf so that it lapsed 40 days ago, as a
	// kubeadm certificate does a year after the last upgrade renewed it.
	expired bool
}

// Validity as kubeadm sets it: a ten-year CA and a one-year serving
// certificate, this one issued a few months ago.
const (
	day       = 24 * time.Hour
	caLife    = 10 * 365 * day
	leafLife  = 365 * day
	leafAge   = 120 * day
	lapsedFor = 40 * day
)

// issue generates a fresh CA and leaf (ECDSA P-256) and returns the leaf
// with the CA after it, served as a chain the way API servers with an
// intermediate or bundled CA serve theirs.
func issue(s certSpec, now time.Time) (tls.Certificate, error) {
	notBefore := now.Add(-leafAge)
	if s.expired {
		notBefore = now.Add(-lapsedFor - leafLife)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               s.ca,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(caLife),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, err
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               s.subject,
		NotBefore:             notBefore,
		NotAfter:              notBefore.Add(leafLife),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              s.dns,
	}
	for _, a := range s.ips {
		ip := net.ParseIP(a)
		if ip == nil {
			return tls.Certificate{}, fmt.Errorf("bad IP SAN %q", a)
		}
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: leaf}, nil
}

// serial is a random 127-bit serial number, as RFC 5280 asks: positive and
// unpredictable.
func serial() *big.Int {
	// rand.Int never fails with crypto/rand's reader (Go 1.24+).
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}
