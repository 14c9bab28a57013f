"""What every app's pages share: domain errors answered as HTTP, and refusals shown on forms."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase

from tanzim.common.errors import DomainError, NotFoundError, PermissionDeniedError

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def domain_errors_as_http(view: Callable[P, R]) -> Callable[P, R]:
    """NotFoundError → 404 and PermissionDeniedError → 403, the way the API answers too."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return view(*args, **kwargs)
        except NotFoundError as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc

    return wrapper


def scoped_view(view: Callable[P, R]) -> Callable[P, R]:
    """A page for signed-in users whose reads are scoped: out of scope is a 404 or a 403."""
    return login_required(domain_errors_as_http(view))


def form_add_domain_error(form: forms.BaseForm, exc: Exception) -> None:
    """Put a service's refusal on the form, next to the field it is about."""
    if isinstance(exc, DomainError):
        if not exc.fields:
            form.add_error(None, str(exc.message))
        for field, errors in exc.fields.items():
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(field if field in form.fields else None, str(error))
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc)


@dataclass(frozen=True)
class Outcome:
    """What ``run_service`` did: ``ok`` and the service's return value."""

    ok: bool
    value: Any = None  # whatever the service returned: each caller knows its service


def run_service(
    request: HttpRequest, form: forms.BaseForm | None, fn: Callable[..., Any], *, success: str = ""
) -> Outcome:
    """The form → service → message round every page makes.

    Validates ``form`` (if given) and calls ``fn(form.cleaned_data)`` (``fn()`` without a form).
    A refusal by the service lands on the form next to its field (or, without a form, as an
    error message) and the outcome is not ``ok``: the caller re-renders or redirects. Not-found
    and permission refusals propagate, so ``scoped_view`` answers 404 / 403 as for any read.
    """
    if form is not None and not form.is_valid():
        return Outcome(ok=False)
    try:
        value = fn() if form is None else fn(form.cleaned_data)
    except (NotFoundError, PermissionDeniedError):
        raise
    except (DomainError, ValidationError) as exc:
        if form is not None:
            form_add_domain_error(form, exc)
        else:
            for text in _messages_of(exc):
                messages.error(request, text)
        return Outcome(ok=False)
    if success:
        messages.success(request, success)
    return Outcome(ok=True, value=value)


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """A refused form posted from another page (post/redirect/get): its errors become messages.

    Each error is prefixed with its field's label, so the page it lands on still says which
    field was wrong; errors about the whole form stand alone.
    """
    for name, errors in form.errors.items():
        label = form.fields[name].label if name != NON_FIELD_ERRORS and name in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, DomainError):
        texts = [str(exc.message)] if not exc.fields else []
        for errors in exc.fields.values():
            texts.extend(str(e) for e in (errors if isinstance(errors, list) else [errors]))
        return texts
    return [str(m) for m in getattr(exc, "messages", [exc])]
