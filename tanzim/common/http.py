import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the one every rate limit and lock-out is keyed on.

    Behind a reverse proxy every request's peer (``REMOTE_ADDR``) is the proxy, so limits keyed
    on it would count the whole country as one caller. When ``CLIENT_IP_HEADER`` names the header
    the proxy sets (``HTTP_X_FORWARDED_FOR`` or ``HTTP_X_REAL_IP``), the address is read from it:
    the ``CLIENT_IP_PROXY_COUNT``-th entry from the right, the one our outermost proxy wrote, so
    entries a client made up itself (to the left) are never believed. A missing or malformed
    header falls back to the peer address.
    """
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        entries = [e.strip() for e in str(request.META.get(header, "")).split(",") if e.strip()]
        hops = getattr(settings, "CLIENT_IP_PROXY_COUNT", 1)
        if len(entries) >= hops:
            candidate = entries[-hops]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                pass
    address: str | None = request.META.get("REMOTE_ADDR")
    return address or None
