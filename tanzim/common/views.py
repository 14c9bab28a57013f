"""What every app's pages share: domain errors answered as HTTP, and refusals shown on forms."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from tanzim.common.errors import DomainError, NotFoundError, PermissionDeniedError


def domain_errors_as_http(view):
    """NotFoundError → 404 and PermissionDeniedError → 403, the way the API answers too."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc

    return wrapper


def scoped_view(view):
    """A page for signed-in users whose reads are scoped: out of scope is a 404 or a 403."""
    return login_required(domain_errors_as_http(view))


def form_add_domain_error(form, exc: Exception) -> None:
    """Put a service's refusal on the form, next to the field it is about."""
    if isinstance(exc, DomainError):
        if not exc.fields:
            form.add_error(None, str(exc.message))
        for field, errors in exc.fields.items():
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(field if field in form.fields else None, str(error))
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)
