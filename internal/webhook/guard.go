package webhook

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// reserved are ranges beyond the standard library's predicates that no
// webhook may reach: "this network", shared address space (carrier NAT),
// IETF protocol assignments, benchmarking, the reserved class E and
// broadcast, and NAT64, which maps to IPv4 behind it.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4",
		"64:ff9b::/96", "64:ff9b:1::/48", "fec0::/10"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// forbidden names why ip may not be reached, "" when it may.
func forbidden(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip == netip.MustParseAddr("169.254.169.254") || ip == netip.MustParseAddr("fd00:ec2::254"):
		return "a cloud metadata address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified(), ip.IsMulticast():
		return "not a unicast address"
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return "a reserved address"
		}
	}
	return ""
}

// Allowance is the private ranges an administrator let one endpoint reach.
type Allowance []netip.Prefix

// ParseAllowance reads CIDR ranges such as 10.1.0.0/16.
func ParseAllowance(ranges []string) (Allowance, error) {
	var out Allowance
	for _, r := range ranges {
		p, err := netip.ParsePrefix(strings.TrimSpace(r))
		if err != nil {
			return nil, fmt.Errorf("%q is not a range such as 10.1.0.0/16", r)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (a Allowance) allows(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Check returns an error naming why ip may not be reached under a.
func (a Allowance) Check(ip netip.Addr) error {
	if why := forbidden(ip); why != "" && !a.allows(ip) {
		return &RefusedError{IP: ip.Unmap(), Why: why}
	}
	return nil
}

// RefusedError is a connection the guard refused.
type RefusedError struct {
	IP  netip.Addr
	Why string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused to connect to %s: it is %s, and the endpoint does not allow its range", e.IP, e.Why)
}

// control is the net.Dialer Control of a's connections. It runs after the
// name was resolved, on the address about to be connected, so neither a
// name that resolves to an inside address nor one re-pointed between a
// check and the connection (DNS rebinding) nor a redirect gets through.
func (a Allowance) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, _ := net.SplitHostPort(address)
		return fmt.Errorf("refused to connect to %q: not an IP address", host)
	}
	return a.Check(ap.Addr())
}

// Dialer returns a dialer whose every connection is checked under a after
// DNS, for the other requests to addresses an administrator typed in (a
// phone system's originate URL): they are refused the same places.
func (a Allowance) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, Control: a.control}
}
