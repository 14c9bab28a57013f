"""The partner API's own credentials: ``Authorization: PartnerKey tzp_<prefix>_<secret>``.

The caller is the partner, not a person: ``request.user`` is a ``PartnerPrincipal`` carrying the
partner and the key, and every read is scoped to the partner's referrals (another partner's
referral is a 404, the same as none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tanzim.common.errors import NotFoundError
from tanzim.partners.models import ApiKey, Partner

KEYWORD = "PartnerKey"
INVALID = _("The partner key is wrong, expired or revoked.")


@dataclass(frozen=True)
class PartnerPrincipal:
    partner: Partner
    key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True
    is_superuser: bool = False
    pk: None = None
    id: None = None
    preferred_language: str = ""

    def __str__(self) -> str:
        return f"partner:{self.partner.code}"


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        from tanzim.partners.services.keys import api_key_authenticate

        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            key = api_key_authenticate(parts[1].decode())
        except (UnicodeError, NotFoundError):
            raise exceptions.AuthenticationFailed(INVALID) from None
        return PartnerPrincipal(partner=key.partner, key=key), key

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tanzim.partners.api.auth.PartnerKeyAuthentication"
    name = "partnerKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> Any:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=KEYWORD)
