"""Which network a client address stands for, for per-IP limits.

An IPv6 subscriber gets a whole /64 (often more) and picks addresses in it at will, so a limit
per IPv6 address is no limit: it counts the /64. An IPv4-mapped IPv6 address is its IPv4.
"""

from __future__ import annotations

import ipaddress

IPV6_PREFIX = 64


def client_network(address: str) -> str:
    """'203.0.113.7' -> itself; '2001:db8:1:2:a:b:c:d' -> '2001:db8:1:2::/64'; junk -> itself."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)
