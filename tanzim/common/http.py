from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The peer address; a reverse proxy in production is expected to set REMOTE_ADDR correctly."""
    address: str | None = request.META.get("REMOTE_ADDR")
    return address or None
