package scan

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// maxZone bounds an IPv6 zone: interface names are at most 15 bytes on
// Linux and the BSDs (IFNAMSIZ 16), and numeric zones are shorter still.
const maxZone = 15

// parseHost reads the host of any input form and returns the host to probe.
// IP literals come back normalised. A host whose last label is a number is
// an IPv4 address written as curl and browsers read it (127.1, 2130706433,
// 0x7f.1, 0177.0.0.1), never a name for DNS: the resolver would otherwise
// be asked about a string every other tool treats as an address. Addresses
// nothing can answer from (unspecified, multicast) are refused, as are IPv6
// zones that are not interface names.
func parseHost(h string) (string, error) {
	if h == "" {
		return "", errors.New("no host")
	}
	if addr, err := netip.ParseAddr(h); err == nil {
		return probeable(addr)
	} else if strings.Contains(h, ":") {
		// Only IPv6 literals hold a colon here: say what is wrong with it
		// (a bad zone, a bad group) rather than call it a bad host name.
		return "", fmt.Errorf("invalid IPv6 address %q: %v", h, unwrapParseErr(err))
	}
	if endsInNumber(h) {
		addr, err := parseIPv4(h)
		if err != nil {
			return "", fmt.Errorf("invalid host %q: its last label is a number, so it must be an IPv4 address (as curl and browsers read it): %v", h, err)
		}
		return probeable(addr)
	}
	if err := checkName(h); err != nil {
		return "", err
	}
	return h, nil
}

// unwrapParseErr drops netip's echo of the whole input, which the caller
// already quotes.
func unwrapParseErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}

// probeable refuses addresses no server answers on from afar, and zones
// that could carry anything into a row; it returns the address as shown.
func probeable(addr netip.Addr) (string, error) {
	// The zone first: the messages below show the address, zone and all.
	if z := addr.Zone(); z != "" {
		if err := checkZone(z); err != nil {
			return "", err
		}
	}
	plain := addr.Unmap().WithZone("")
	switch {
	case plain.IsUnspecified():
		return "", fmt.Errorf("%s is the unspecified address: a server listens on it, no client can reach it", addr)
	case plain.IsMulticast():
		return "", fmt.Errorf("%s is a multicast address: no API server answers on one", addr)
	}
	return addr.String(), nil
}

// checkZone keeps an IPv6 zone to what an interface name or index can be:
// it ends up in row names, URLs and file names of saved results.
func checkZone(z string) error {
	if len(z) > maxZone {
		return fmt.Errorf("IPv6 zone %q is longer than an interface name can be (%d bytes)", truncate(z, maxZone), maxZone)
	}
	for _, r := range z {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("IPv6 zone %q: only letters, digits, '-', '_' and '.' name an interface", z)
		}
	}
	return nil
}

// checkName accepts DNS names; anything else is a typo.
func checkName(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("host name too long")
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("invalid host name %q", h)
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("invalid host name %q", h)
			}
		}
	}
	return nil
}

// endsInNumber is the URL Standard's "ends in a number checker": a host
// whose last label (one trailing dot allowed) is decimal digits or a
// 0x-prefixed hex number is an IPv4 address or invalid, never a name.
func endsInNumber(h string) bool {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, err := ipv4Number(last)
	return err == nil
}

// parseIPv4 is the URL Standard's IPv4 parser: one to four dot-separated
// parts, each decimal, octal (leading 0) or hex (0x); the last part fills
// the bytes the others leave (127.1 is 127.0.0.1, 2130706433 is too).
func parseIPv4(h string) (netip.Addr, error) {
	parts := strings.Split(h, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, errors.New("more than four parts")
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, err := ipv4Number(p)
		if err != nil {
			return netip.Addr{}, fmt.Errorf("part %q: %v", truncate(p, 20), err)
		}
		nums[i] = n
	}
	last := len(nums) - 1
	for _, n := range nums[:last] {
		if n > 255 {
			return netip.Addr{}, fmt.Errorf("part %d is over 255", n)
		}
	}
	if nums[last] >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, fmt.Errorf("last part %d does not fit the %d bytes left", nums[last], 5-len(nums))
	}
	v := nums[last]
	for i, n := range nums[:last] {
		v += n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}

// ipv4Number is the URL Standard's IPv4 number parser. Any value over
// 2^32 fails later anyway, so overflowing 64 bits is simply an error.
func ipv4Number(s string) (uint64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, nil
	}
	// ParseUint with an explicit base takes no sign, prefix or '_'.
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, errors.New("too large")
		}
		return 0, fmt.Errorf("not a base-%d number", base)
	}
	return n, nil
}
