def client_ip(request) -> str | None:
    """The peer address; a reverse proxy in production is expected to set REMOTE_ADDR correctly."""
    return request.META.get("REMOTE_ADDR") or None
