"""Forms parse and normalise; the services decide (and their errors come back as form errors)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clients.errors import ClientsError
from clients.models import ClientProfile
from spa.lib.bounds import NOTES_MAX_LENGTH
from treatments.models import Contraindication

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The number keypad on phones; any common way of writing the number is accepted (validators.py).
PHONE_INPUT = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})
PHONE_HELP = "A mobile we can text reminders to, e.g. 07700 900123 or +44 7700 900123."


def add_service_error(form: forms.Form, error: ClientsError) -> None:
    """Put a service's error on the form: each field error on its field, the rest on top."""
    placed = False
    for name, messages in error.field_errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _helper(label: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # templates write the <form> (CSRF, next, enctype)
    helper.disable_csrf = True
    helper.add_input(Submit("submit", label))
    return helper


class EmailLoginForm(AuthenticationForm):
    """Django's login form, labelled for email (the field stays ``username`` for django-axes)."""

    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Log in")

    def clean_username(self) -> str:
        # One spelling per address, so that django-axes counts ALICE@… and alice@… together.
        return self.cleaned_data["username"].strip().lower()


class SignupForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    first_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    phone = forms.CharField(max_length=30, widget=PHONE_INPUT, help_text=PHONE_HELP)
    date_of_birth = forms.DateField(
        widget=DATE_INPUT, help_text="You must be 18 or over to create an account and book online."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Create my account")

    def add_service_problems(self, problems: dict[str, list[str]]) -> None:
        """The service's verdict on the fields that parsed, beside the form's own errors: every
        problem on one submit, never one layer at a time."""
        for name, messages in problems.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    phone = forms.CharField(max_length=30, required=False, widget=PHONE_INPUT, help_text=PHONE_HELP)
    date_of_birth = forms.DateField(widget=DATE_INPUT, required=False)
    skin_type = forms.TypedChoiceField(
        label="Fitzpatrick skin type",
        choices=[("", "I don't know")] + ClientProfile.SkinType.choices,
        coerce=int,
        empty_value=None,
        required=False,
    )
    preferred_channel = forms.ChoiceField(
        label="Send reminders by",
        choices=ClientProfile.Channel.choices,
        widget=forms.RadioSelect,
        help_text="Booking confirmations and reminders need no opt-in.",
    )
    marketing_opt_in = forms.BooleanField(label="Send me tips between sessions and occasional offers", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save")


def _yes(value: str) -> bool:
    return value == "yes"


class IntakeForm(forms.Form):
    """One yes/no question per active contraindication (field name: its slug), then the consent."""

    signed_name = forms.CharField(
        label="Type your full name to sign", max_length=200, required=False, help_text="As on your profile."
    )
    accepted = forms.BooleanField(
        label="I have read and accept the consent above",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: object, questions: Iterable[Contraindication], consent_needed: bool, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.consent_needed = consent_needed
        for item in self.questions:
            self.fields[item.slug] = forms.TypedChoiceField(
                label=item.question,
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=_yes,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            if item.asks_date:
                # The waiting period counts from this date (e.g. the last isotretinoin dose).
                self.fields[f"{item.slug}__since"] = forms.DateField(
                    label="If yes: the date of your last dose",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
                )
        # The questions in the admin's order, the signature last.
        self.order_fields([item.slug for item in self.questions] + ["signed_name", "accepted"])
        if not consent_needed:
            del self.fields["signed_name"]
            del self.fields["accepted"]

    def question_fields(self) -> list[forms.BoundField]:
        return [self[item.slug] for item in self.questions]

    def question_rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        """Each question with its date field when it asks one (the template's rows)."""
        return [(self[item.slug], self[f"{item.slug}__since"] if item.asks_date else None) for item in self.questions]

    def dates(self) -> dict[str, dt.date]:
        return {
            item.slug: self.cleaned_data[f"{item.slug}__since"]
            for item in self.questions
            if item.asks_date and self.cleaned_data.get(f"{item.slug}__since")
        }

    def answers(self) -> dict[str, bool]:
        return {item.slug: self.cleaned_data[item.slug] for item in self.questions}


class ClearanceForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the doctor said, and who.",
        max_length=NOTES_MAX_LENGTH,
    )
    contraindications = forms.ModelMultipleChoiceField(
        queryset=Contraindication.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Covers",
        help_text="Leave empty to cover every answer of her latest intake that needs a clearance.",
    )
    cleared_on = forms.DateField(widget=DATE_INPUT, required=False, help_text="Default: today.")
    expires_on = forms.DateField(widget=DATE_INPUT, required=False)
    letter = forms.FileField(required=False, help_text="The scanned letter (PDF, JPEG or PNG, at most 10 MB).")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contraindications"].queryset = Contraindication.objects.filter(
            severity=Contraindication.Severity.DOCTOR_CLEARANCE
        )
        self.helper = _helper("Record clearance")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(widget=forms.PasswordInput, help_text="Your password, to confirm it is you.")
    confirm = forms.BooleanField(label="Delete my account and my personal and medical data. This cannot be undone.")

    def __init__(self, *args: object, user: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper("Delete my account")
        self.helper.inputs[0].field_classes = "btn btn-danger"

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(ClientsError("wrong_password").message, code="wrong_password")
        return password
