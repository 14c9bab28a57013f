"""Domain errors raised by services and turned into the API's one error envelope."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A message: plain or lazily translated text.
Message = str | Promise
# {field: [message, …]}; "non_field_errors" or an unknown field for the whole request.
FieldErrors = dict[str, Any]


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status the API answers with."""

    status = 400
    code = "invalid"
    default_message = _("The request is not valid.")

    def __init__(
        self, message: Message | None = None, *, code: str | None = None, fields: FieldErrors | None = None
    ) -> None:
        self.message: Message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields: FieldErrors = fields or {}
        super().__init__(str(self.message))


class ConflictError(DomainError):
    """The object changed under the caller (stale transition, taken slot, replay with other data)."""

    status = 409
    code = "conflict"
    default_message = _("This was changed by someone else. Reload and try again.")


class NotFoundError(DomainError):
    """Missing or outside the actor's scope: both look the same so existence does not leak."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDeniedError(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class RateLimitedError(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Please wait and try again later.")

    def __init__(
        self,
        message: Message | None = None,
        *,
        retry_after: int | None = None,
        code: str | None = None,
        fields: FieldErrors | None = None,
    ) -> None:
        super().__init__(message, code=code, fields=fields)
        self.retry_after = retry_after
