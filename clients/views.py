"""The client's own pages: sign up, profile, intake and consent, my data (export, delete)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import services
from clients.errors import ClientsError
from clients.forms import DeleteAccountForm, IntakeForm, ProfileForm, SignupForm, add_service_error
from clients.models import ClientProfile
from clients.screening import screening_status
from clients.selectors import active_questions, age_problem, current_consent_text, latest_intake
from spa.lib.ip import client_ip as trusted_client_ip
from spa.lib.urls import safe_next, with_next


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR, or the address our own proxies vouch for (NUM_PROXIES); never a raw header.
    return trusted_client_ip(request)


def _signup_problems(form: SignupForm) -> dict[str, list[str]]:
    """The service's checks on whatever parsed (``None`` for a field the form already refused)."""
    data = form.cleaned_data
    return services.registration_problems(
        email=data.get("email"),
        password=form.data.get("password") if "password" not in form.errors else None,
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        phone=data.get("phone"),
        date_of_birth=data.get("date_of_birth"),
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create the account, then the questionnaire; ``next`` (the time or plan she chose before
    being asked to log in) is carried through both."""
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or "clients:profile")
    # Bound on any POST, an empty one too (``request.POST or None`` left it unbound: a 500).
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            form.add_service_problems(_signup_problems(form))
        else:
            try:
                user = services.register_client(**form.cleaned_data)
            except ClientsError as error:
                add_service_error(form, error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, "Welcome! One short medical questionnaire, and you can book.")
                return redirect(with_next(reverse("clients:intake"), next_url))
    return render(request, "clients/signup.html", {"form": form, "next": next_url})


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = ClientProfile.objects.filter(user=user).first() or ClientProfile(user=user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": current.phone,
        "date_of_birth": current.date_of_birth,
        "skin_type": current.skin_type,
        "preferred_channel": current.preferred_channel,
        "marketing_opt_in": current.marketing_opt_in,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except ClientsError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("clients:profile")
    return render(request, "clients/profile.html", {"form": form, "age_problem": age_problem(user=user)})


@sensitive_post_parameters()  # medical answers never reach error reports
@login_required
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    """One yes/no per active question, then the consent (only if the current version is unsigned)."""
    user = request.user
    screening = screening_status(user_id=user.pk)
    consent_text = current_consent_text()
    consent_needed = consent_text is not None and not screening.consent_current
    latest = latest_intake(user=user)
    # Her last answers pre-filled: renewing is a quick check, not a new questionnaire.
    initial = {a.contraindication.slug: "yes" if a.answer else "no" for a in latest.answers.all()} if latest else {}
    form = IntakeForm(
        request.POST or None, initial=initial, questions=active_questions(), consent_needed=consent_needed
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_intake(
                user=user,
                answers=form.answers(),
                dates=form.dates(),
                sign=consent_needed,
                signed_name=form.cleaned_data.get("signed_name", ""),
                accepted=form.cleaned_data.get("accepted", False),
                ip=client_ip(request),
                user_agent=request.headers.get("user-agent", ""),
            )
        except ClientsError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Thank you: your answers are saved.")
            # Sent here from a booking or a plan: back to what she chose. If her answers mean
            # she may not book yet, that page says why and what to do (scheduling's gate).
            return redirect(safe_next(request) or "clients:intake")
    return render(
        request,
        "clients/intake.html",
        {
            "form": form,
            "screening": screening,
            "consent_text": consent_text,
            "consent_needed": consent_needed,
            "next": safe_next(request),
        },
    )


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    return render(request, "clients/my_data.html", {"delete_form": DeleteAccountForm(user=request.user)})


@login_required
@require_GET
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = services.export_client_data(user=request.user)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@sensitive_post_parameters()
@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.erase_client(user=request.user, by=request.user)
        except ClientsError as error:
            add_service_error(form, error)
        else:
            logout(request)
            messages.success(request, "Your account and your personal and medical data have been deleted.")
            return redirect("home")
    return render(request, "clients/my_data.html", {"delete_form": form}, status=400)
