"""API authentication: expiring, revocable tokens, and sessions that passed the second step.

A client sends ``Authorization: Token <key>``. The key's first characters find the row; the
SHA-256 of the whole key is compared in constant time. An expired or revoked token, or one of an
inactive account, is refused (401) exactly like an unknown one.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tanzim.accounts import twofactor
from tanzim.accounts.models import ApiToken, User
from tanzim.accounts.services import TOKEN_PREFIX_LENGTH, api_token_hash

KEYWORD = "Token"
# last_used_at is written at most this often per token, not at every request.
LAST_USED_EVERY = timedelta(minutes=1)
INVALID = _("Invalid, expired or revoked token.")


def token_for_key(key: str) -> ApiToken | None:
    """The live token whose key is ``key``, or None."""
    if len(key) <= TOKEN_PREFIX_LENGTH:
        return None
    token = (
        ApiToken.objects.filter(prefix=key[:TOKEN_PREFIX_LENGTH], revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, api_token_hash(key)):
        return None
    if token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    return token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        token = token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, for a session that owes no second step (see twofactor)."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        if twofactor.session_gate(request._request.session, result[0]) != "ok":
            return None
        return result


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tanzim.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        # As DRF's token scheme: "Authorization: Token <key>".
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=KEYWORD)


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "tanzim.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
