"""Payment gateway adapters, chosen by the FINANCE_GATEWAY setting."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from tanzim.finance.gateways.base import PaymentGateway

ADAPTERS = {
    "simulated": "tanzim.finance.gateways.simulated.SimulatedGateway",
}


def get_gateway(name: str | None = None) -> PaymentGateway:
    name = name or settings.FINANCE_GATEWAY
    try:
        path = ADAPTERS[name]
    except KeyError as exc:
        raise ImproperlyConfigured(f"Unknown payment gateway {name!r}; known: {sorted(ADAPTERS)}") from exc
    return import_string(path)()
