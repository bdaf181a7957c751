"""The client address a request counts as, and the allowlist check.

The client is the socket peer. X-Forwarded-For is read only when the peer is
one of the merchant's trusted proxies, walking the header from the right and
skipping trusted proxies, so a client cannot name its own address. IPv4-mapped
IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4 address.
"""

import ipaddress
from collections.abc import Iterable

from mockserver.config import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> IPAddress | None:
    """Parse an address, unwrapping IPv4-mapped IPv6; None when it is not an IP address."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[IPNetwork]) -> str:
    """Return the address the request is attributed to, as text."""
    proxies = tuple(trusted_proxies)
    peer_address = parse_address(peer) if peer else None
    if peer_address is None:
        return peer or "unknown"
    if not forwarded_for or not in_networks(peer_address, proxies):
        return str(peer_address)
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        hop_address = parse_address(hop)
        if hop_address is None:
            # An unparsable hop ends the trusted chain; attribute the request to it.
            return hop or "unknown"
        if not in_networks(hop_address, proxies):
            return str(hop_address)
    return str(parse_address(hops[0]) or peer_address)


def is_allowed(address_text: str, allowlist: Iterable[IPNetwork]) -> bool:
    address = parse_address(address_text)
    return address is not None and in_networks(address, allowlist)
