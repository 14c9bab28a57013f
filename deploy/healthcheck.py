"""The container's health check: GET /healthz on this node, as the orchestrator's probe would.

Standard library only (it runs every few seconds). The request carries the site's host name (the
first of ALLOWED_HOSTS): Django answers 400 to a host it does not serve, and /healthz is exempt
from the HTTPS redirect. Exit 0 when the process answers 200, else 1.
"""

from __future__ import annotations

import http.client
import os
import sys


def main() -> int:
    bind = os.environ.get("BIND", "0.0.0.0:8000")
    port = int(bind.rsplit(":", 1)[-1])
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        return 0 if connection.getresponse().status == 200 else 1
    except OSError:
        return 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
