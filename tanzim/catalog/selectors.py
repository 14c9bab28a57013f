from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tanzim.catalog.models import Service
from tanzim.common.errors import NotFoundError
from tanzim.offices.models import Office
from tanzim.offices.selectors import office_directory


def service_list(*, category: str | None = None, channel: str | None = None) -> QuerySet[Service]:
    services = Service.objects.filter(active=True)
    if category:
        services = services.filter(category=category)
    if channel in ("in_person", "semi_in_person", "remote"):
        services = services.filter(**{channel: True})
    return services


def service_get(*, code: str) -> Service:
    service = Service.objects.filter(active=True, code=code).first()
    if service is None:
        raise NotFoundError(_("Unknown service."), code="unknown_service")
    return service


def offices_for_service(*, service: Service | None = None, **filters) -> QuerySet[Office]:
    """The directory, narrowed to offices holding the licence a service needs."""
    licence = filters.pop("licence", None)
    if service is not None and service.licence_required:
        if licence and licence != service.licence_required:
            return Office.objects.none()
        licence = service.licence_required
    return office_directory(licence=licence, **filters)
