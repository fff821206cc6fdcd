"""The clients' JSON API (``/api/v1/``): accounts, ``me``, the intake, export, erasure, clearance.

Errors: a serializer's field errors as DRF gives them; a ``ClientsError`` is raised and answered
by the one exception handler (``spa.api``) as ``{detail, code}`` plus its field errors (question
slugs nested under ``answers``).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate, logout
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from clients import services
from clients.errors import ClientsError
from clients.models import ClientProfile, IntakeSubmission
from clients.screening import screening_status
from clients.selectors import active_questions, current_consent_text, get_client_for_staff, latest_intake
from spa.lib.access import StaffPermission
from spa.lib.bounds import NOTES_MAX_LENGTH
from spa.lib.ip import client_ip as trusted_client_ip
from spa.lib.roles import GRANT_CLEARANCE
from treatments.models import Contraindication

LOCKED_OUT = "Too many failed log-ins for this account from your address. Try again in 15 minutes."


def client_ip(request: Request) -> str | None:
    return trusted_client_ip(request)


TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})
DetailSerializer = inline_serializer("Detail", {"detail": serializers.CharField(), "code": serializers.CharField()})


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=30, help_text="International format, e.g. +447700900123.")
    date_of_birth = serializers.DateField()


@method_decorator(sensitive_post_parameters(), name="dispatch")
class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=RegisterSerializer,
        responses={201: TokenSerializer},
        summary="Sign up as a client",
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.register_client(**serializer.validated_data)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key}, status=status.HTTP_201_CREATED)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"})


@method_decorator(sensitive_post_parameters(), name="dispatch")
class TokenView(APIView):
    """Email and password → token. Failed attempts count towards django-axes' lockout (5 per
    email and address, 15 minutes), and the ``login`` throttle caps attempts per address."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        summary="Get an API token",
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"].lower()
        django_request = request._request
        credentials = {"username": email}
        if AxesProxyHandler.is_locked(django_request, credentials):
            return self._locked(django_request)
        user = authenticate(django_request, username=email, password=serializer.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            return self._locked(django_request)
        if user is None or not user.is_active:
            return Response(
                {"detail": "Wrong email or password.", "code": "bad_credentials"}, status=status.HTTP_400_BAD_REQUEST
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @staticmethod
    def _locked(django_request: Any) -> Response:
        # Answer in JSON here; AxesMiddleware would otherwise replace it with the HTML page.
        django_request.axes_locked_out = False
        return Response({"detail": LOCKED_OUT, "code": "locked_out"}, status=status.HTTP_403_FORBIDDEN)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    skin_type = serializers.IntegerField(allow_null=True)
    preferred_channel = serializers.ChoiceField(choices=ClientProfile.Channel.choices)
    marketing_opt_in = serializers.BooleanField()
    is_staff = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="My account")
    def get(self, request: Request) -> Response:
        user = request.user
        profile = ClientProfile.objects.filter(user=user).first() or ClientProfile(user=user)
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": profile.phone,
                "date_of_birth": profile.date_of_birth.isoformat() if profile.date_of_birth else None,
                "skin_type": profile.skin_type,
                "preferred_channel": profile.preferred_channel,
                "marketing_opt_in": profile.marketing_opt_in,
                "is_staff": user.is_staff,
            }
        )


_question = dict(
    name="IntakeQuestion",
    fields={
        "slug": serializers.CharField(),
        "text": serializers.CharField(),
        "severity": serializers.ChoiceField(choices=Contraindication.Severity.choices),
        "asks_date": serializers.BooleanField(help_text="A yes asks a date in `dates` (isotretinoin: the last dose)."),
    },
)
_reason = dict(
    name="ScreeningReason",
    fields={
        "slug": serializers.CharField(),
        "severity": serializers.CharField(),
        "text": serializers.CharField(),
        "bookable_from": serializers.DateField(allow_null=True),
        "cleared": serializers.BooleanField(),
    },
)
IntakeSerializer = inline_serializer(
    "Intake",
    {
        "questions": inline_serializer(**_question, many=True),
        "answers": serializers.DictField(child=serializers.BooleanField()),
        "consent": serializers.BooleanField(help_text="Signed the current consent version."),
        "consent_text": inline_serializer(
            "ConsentText",
            {"version": serializers.IntegerField(), "title": serializers.CharField(), "body": serializers.CharField()},
            allow_null=True,
        ),
        "status": serializers.CharField(
            help_text="One of clear, staff_review, doctor_clearance, blocked, expired, missing."
        ),
        "reasons": inline_serializer(**_reason, many=True),
        "explanation": serializers.CharField(),
        "valid_until": serializers.DateField(allow_null=True),
        "bookable_from": serializers.DateField(allow_null=True),
        "submitted_at": serializers.DateTimeField(allow_null=True),
    },
)


class IntakeInputSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.BooleanField(), help_text="slug → yes/no, every question")
    dates = serializers.DictField(
        child=serializers.DateField(),
        required=False,
        default=dict,
        help_text="slug → date for a yes to a question that asks one (isotretinoin: the last dose)",
    )
    consent = serializers.BooleanField(
        default=False, help_text="true signs the current consent version with your full name"
    )


def intake_payload(user: Any) -> dict[str, Any]:
    screening = screening_status(user_id=user.pk)
    latest: IntakeSubmission | None = latest_intake(user=user)
    text = current_consent_text()
    return {
        "questions": [
            {"slug": item.slug, "text": item.question, "severity": item.severity, "asks_date": item.asks_date}
            for item in active_questions()
        ],
        "answers": {a.contraindication.slug: a.answer for a in latest.answers.all()} if latest else {},
        "consent": screening.consent_current,
        "consent_text": {"version": text.version, "title": text.title, "body": text.body} if text else None,
        "status": screening.status,
        "reasons": [reason.as_dict() for reason in screening.reasons],
        "explanation": screening.explanation(),
        "valid_until": screening.valid_until.isoformat() if screening.valid_until else None,
        "bookable_from": screening.bookable_from.isoformat() if screening.bookable_from else None,
        "submitted_at": screening.submitted_at.isoformat() if screening.submitted_at else None,
    }


@method_decorator(sensitive_post_parameters(), name="dispatch")
class MyIntakeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=IntakeSerializer, summary="My intake, consent and screening status")
    def get(self, request: Request) -> Response:
        return Response(intake_payload(request.user))

    @extend_schema(
        request=IntakeInputSerializer,
        responses={200: IntakeSerializer},
        summary="Answer the intake (and sign the consent)",
    )
    def put(self, request: Request) -> Response:
        serializer = IntakeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        sign = serializer.validated_data["consent"] and not screening_status(user_id=user.pk).consent_current
        services.complete_intake(
            user=user,
            answers=serializer.validated_data["answers"],
            dates=serializer.validated_data["dates"],
            sign=sign,
            signed_name=user.get_full_name() or user.email,
            accepted=True,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
        )
        return Response(intake_payload(user))


class MyExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=OpenApiResponse(
            description="Everything the spa holds about me: account, profile, intakes, consents, clearances, "
            "appointments, plans and sessions, notifications."
        ),
        summary="Export my data",
    )
    def get(self, request: Request) -> Response:
        return Response(services.export_client_data(user=request.user))


class DeleteSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true.")
    password = serializers.CharField(
        max_length=128,
        style={"input_type": "password"},
        help_text="Her password, as the page asks.",
    )


@method_decorator(sensitive_post_parameters(), name="dispatch")
class MyDeleteView(APIView):
    """Erase my account: requires ``{"confirm": true, "password": ...}``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=DeleteSerializer,
        responses={200: DetailSerializer},
        summary="Delete my account (personal and medical data erased; appointments kept anonymised)",
    )
    def post(self, request: Request) -> Response:
        serializer = DeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data["confirm"]:
            raise ClientsError("confirm_required", field="confirm")
        # A stolen session or token alone must not erase an account: the page asks too.
        if not request.user.check_password(serializer.validated_data["password"]):
            raise ClientsError("wrong_password", field="password")
        services.erase_client(user=request.user, by=request.user)
        logout(request._request)
        return Response({"detail": "Your account has been erased.", "code": "erased"})


class ClearanceInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTES_MAX_LENGTH)
    contraindications = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Contraindication.objects.all(),
        help_text="Default: every answer of her latest intake that needs a doctor's clearance.",
    )
    cleared_on = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    letter = serializers.FileField(
        required=False, help_text="The scanned letter (multipart): a PDF, JPEG, PNG or WebP of at most 10 MB."
    )


ClearanceSerializer = inline_serializer(
    "Clearance",
    {
        "id": serializers.IntegerField(),
        "client": serializers.IntegerField(),
        "covers": serializers.ListField(child=serializers.CharField()),
        "note": serializers.CharField(),
        "cleared_on": serializers.DateField(),
        "expires_on": serializers.DateField(allow_null=True),
        "status": serializers.CharField(help_text="Her screening status afterwards."),
    },
)


@method_decorator(sensitive_post_parameters(), name="dispatch")
class ClearanceView(APIView):
    permission_classes = [StaffPermission.of(GRANT_CLEARANCE)]

    @extend_schema(
        request=ClearanceInputSerializer,
        responses={201: ClearanceSerializer},
        summary="Record a doctor's clearance (staff)",
    )
    def post(self, request: Request, pk: int) -> Response:
        client = get_client_for_staff(pk=pk)
        serializer = ClearanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        clearance = services.grant_clearance(
            client=client,
            note=data["note"],
            by=request.user,
            contraindications=data.get("contraindications") or None,
            cleared_on=data.get("cleared_on"),
            expires_on=data.get("expires_on"),
            letter=data.get("letter"),
        )
        return Response(
            {
                "id": clearance.pk,
                "client": client.pk,
                "covers": sorted(item.slug for item in clearance.contraindications.all()),
                "note": clearance.note,
                "cleared_on": clearance.cleared_on.isoformat(),
                "expires_on": clearance.expires_on.isoformat() if clearance.expires_on else None,
                "status": screening_status(user_id=client.pk).status,
            },
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [
    path("auth/register", RegisterView.as_view(), name="api-register"),
    path("auth/token", TokenView.as_view(), name="api-token"),
    path("me", MeView.as_view(), name="api-me"),
    path("me/intake", MyIntakeView.as_view(), name="api-my-intake"),
    path("me/export", MyExportView.as_view(), name="api-my-export"),
    path("me/delete", MyDeleteView.as_view(), name="api-my-delete"),
    path("clients/<int:pk>/clearance", ClearanceView.as_view(), name="api-client-clearance"),
]
