from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tanzim.accounts import services
from tanzim.accounts.choices import Language
from tanzim.accounts.models import RoleAssignment, User
from tanzim.accounts.selectors import active_roles
from tanzim.common.http import client_ip
from tanzim.common.identifiers import clean_national_code, parse_phone

# What a plain (not model) serializer reads and writes.
Data = dict[str, object]

CODE_SENT = _("If the details match an account, a code has been sent by SMS.")


class TokenRequestSerializer(serializers.Serializer[Data]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[Data]):
    token = serializers.CharField()


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


def _token_for(user: User) -> Response:
    token, _created = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})


class TokenView(APIView):
    """Staff: username and password for an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type[BaseAuthentication]] = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.staff_authenticate(request=request, **data.validated_data)
        return _token_for(user)


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
        return _token_for(services.otp_verify(**data.validated_data))


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


__all__ = ["CitizenSignupView", "MeView", "OtpRequestView", "OtpVerifyView", "TokenView"]
