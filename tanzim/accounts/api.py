from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts import services, twofactor
from tanzim.accounts.choices import Language
from tanzim.accounts.models import ApiToken, RoleAssignment, User
from tanzim.accounts.selectors import active_roles, api_token_list
from tanzim.common.errors import DomainError, PermissionDeniedError
from tanzim.common.http import client_ip
from tanzim.common.identifiers import clean_national_code, parse_phone

# What a plain (not model) serializer reads and writes.
Data = dict[str, object]

CODE_SENT = _("If the details match an account, a code has been sent by SMS.")


OTP_REQUIRED = _("Enter the code from your authenticator app, or a recovery code.")
ENROL_FIRST = _("Set up two-step sign-in on the website before using the API.")
STAFF_USE_PASSWORD = _("Staff accounts with two-step sign-in get their token at /api/v1/auth/token/.")


class TokenRequestSerializer(serializers.Serializer[Data]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=20,
        required=False,
        default="",
        allow_blank=True,
        help_text=_(
            "The code from the authenticator app (or a recovery code): required once two-step sign-in"
            " is set up."
        ),
    )
    # A field named like Field.label: DRF's metaclass takes declared fields off the class.
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text=_("Names the device, e.g. 'phone'."),
    )


class TokenSerializer(serializers.Serializer[Data]):
    id = serializers.IntegerField(help_text=_("The token's id, to revoke it at /api/v1/auth/tokens/{id}/."))
    token = serializers.CharField(help_text=_("Send as 'Authorization: Token <token>'. Shown only once."))
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.Serializer[ApiToken]):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    prefix = serializers.CharField(help_text=_("The key's first characters, to recognise it."))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    current = serializers.SerializerMethodField(help_text=_("The token of this request."))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_current(self, token: ApiToken) -> bool:
        return bool(token.pk == self.context.get("current"))


class DetailSerializer(serializers.Serializer[Data]):
    detail = serializers.CharField()


class IdentifiersMixin:
    """Check identifiers here so a bad one is reported against its field in the error envelope."""

    def validate_national_code(self, value: str) -> str:
        return clean_national_code(value)

    def validate_mobile(self, value: str) -> str:
        return parse_phone(value)


class OtpRequestSerializer(IdentifiersMixin, serializers.Serializer[Data]):
    national_code = serializers.CharField(max_length=20)
    mobile = serializers.CharField(max_length=20)


class OtpVerifySerializer(IdentifiersMixin, serializers.Serializer[Data]):
    national_code = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=10)


class SignupSerializer(IdentifiersMixin, serializers.Serializer[Data]):
    national_code = serializers.CharField(max_length=20)
    mobile = serializers.CharField(max_length=20)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    # The API speaks ISO 8601 (docs/api.md); Jalali dates are for the HTML form only.
    birth_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("ISO 8601, e.g. 1991-08-12")
    )
    preferred_language = serializers.ChoiceField(choices=Language.choices, default=Language.FA)
    resident_abroad = serializers.BooleanField(default=False)


class RoleSerializer(serializers.Serializer[RoleAssignment]):
    role = serializers.CharField()
    office = serializers.CharField(source="office.code", allow_null=True, default=None)
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    valid_until = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer[Data]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField(allow_null=True)
    mobile = serializers.CharField()
    preferred_language = serializers.CharField()
    resident_abroad = serializers.BooleanField()
    roles = RoleSerializer(many=True)


def _token_for(user: User, label: str = "") -> Response:
    issued = services.api_token_issue(user=user, label=label)
    return Response({"id": issued.token.pk, "token": issued.key, "expires_at": issued.token.expires_at})


class TokenView(APIView):
    """Staff: username, password and (once set up) the authenticator code for a new API token.

    Each sign-in gets a new token that expires after API_TOKEN_TTL seconds. Roles that require
    two-step sign-in must have set it up on the website first (403 ``enrolment_required``).
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.staff_sign_in(
            username=values["username"], password=values["password"], otp=values["otp"], ip=client_ip(request)
        )
        if result.second_factor == "needed":
            raise DomainError(OTP_REQUIRED, code="otp_required", fields={"otp": [OTP_REQUIRED]})
        if result.second_factor == "enrol":
            raise PermissionDeniedError(ENROL_FIRST, code="enrolment_required")
        return _token_for(result.user, values["label"])


class LogoutView(APIView):
    """Revoke the token this request was made with (a session is left as it is)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken) and isinstance(request.user, User):
            services.api_token_revoke(actor=request.user, token_id=request.auth.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The caller's live tokens (not expired, not revoked), newest first; keys are never shown again."""

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        current = request.auth.pk if isinstance(request.auth, ApiToken) else None
        tokens = api_token_list(request.user)
        serializer = ApiTokenSerializer(tokens, many=True, context={"current": current})  # type: ignore[arg-type]
        return Response(serializer.data)


class TokenDetailView(APIView):
    """Revoke one of the caller's tokens; another person's answers 404 like a missing one."""

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, token_id: int) -> Response:
        assert isinstance(request.user, User)
        services.api_token_revoke(actor=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OtpRequestView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @extend_schema(request=OtpRequestSerializer, responses={200: DetailSerializer})
    def post(self, request: Request) -> Response:
        data = OtpRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.otp_request(ip=client_ip(request), **data.validated_data)
        return Response({"detail": str(CODE_SENT)})


class OtpVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @extend_schema(request=OtpVerifySerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = OtpVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.otp_verify(**data.validated_data)
        if twofactor.is_enrolled(user) or twofactor.is_required(user):
            # An SMS code is not the staff member's second factor: no way around the authenticator.
            raise PermissionDeniedError(STAFF_USE_PASSWORD, code="two_factor_required")
        return _token_for(user)


class CitizenSignupView(APIView):
    """Citizens sign up; the account is active once the SMS code is verified at /auth/otp/verify/."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @extend_schema(request=SignupSerializer, responses={202: DetailSerializer})
    def post(self, request: Request) -> Response:
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.citizen_signup(ip=client_ip(request), **data.validated_data)
        return Response({"detail": str(CODE_SENT)}, status=status.HTTP_202_ACCEPTED)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated (the default) lets only a signed-in user in
        payload = {
            "id": user.pk,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "national_code": user.national_code,
            "mobile": user.mobile,
            "preferred_language": user.preferred_language,
            "resident_abroad": user.resident_abroad,
            "roles": list(active_roles(user)),
        }
        return Response(MeSerializer(payload).data)


__all__ = [
    "CitizenSignupView",
    "LogoutView",
    "MeView",
    "OtpRequestView",
    "OtpVerifyView",
    "TokenDetailView",
    "TokenListView",
    "TokenView",
]
