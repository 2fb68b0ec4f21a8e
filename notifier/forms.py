"""The subscribe and manage forms: what to follow, lead times, digest cadence."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email

from deprecations import queries
from deprecations.models import Vendor
from notifier.models import DEFAULT_LEAD_TIMES, LEAD_TIME_CHOICES, Subscriber

MAX_MODELS = 20
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._:@/+-]{0,99}$")


def _days_before(n: int) -> str:
    return ngettext("%(n)d day before", "%(n)d days before", n) % {"n": n}


class LanguageSelect(forms.Select):
    """Each language named in itself, marked with its own ``lang`` for screen readers."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class ChoicesForm(forms.Form):
    vendors = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Vendors"), help_text=_("Only these vendors. None ticked: every vendor."))
    models = forms.CharField(
        required=False, max_length=2000, label=_("Models"),
        help_text=_("Only these models, separated by commas or spaces, e.g. gpt-4o, "
                    "claude-3-opus (a family name also matches its snapshots and aliases). "
                    "Empty: every model."))
    lead_times = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        initial=list(DEFAULT_LEAD_TIMES), label=_("Alert me"),
        help_text=_("An email when a shutdown is this close. None ticked: no lead-time alerts."))
    digest = forms.ChoiceField(
        choices=Subscriber.Digest.choices, initial=Subscriber.Digest.WEEKLY,
        widget=forms.RadioSelect, label=_("Digest"),
        help_text=_("What is coming in the next 90 days and what changed."))
    language = forms.ChoiceField(
        choices=settings.LANGUAGES, required=False, widget=LanguageSelect,
        label=_("Language of the emails"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendors"].choices = list(Vendor.objects.values_list("slug", "name"))
        # In the language of the request (ngettext needs the number, so not at import).
        self.fields["lead_times"].choices = [(d, _days_before(d)) for d in LEAD_TIME_CHOICES]
        self.fields["language"].initial = get_language()  # the page's, unless chosen

    def clean_models(self) -> list[str]:
        names = [n for n in re.split(r"[\s,]+", self.cleaned_data["models"].strip().lower()) if n]
        names = list(dict.fromkeys(names))
        if len(names) > MAX_MODELS:
            raise forms.ValidationError(
                gettext("Follow at most %(max)d models.") % {"max": MAX_MODELS})
        bad = [n for n in names if not MODEL_NAME.match(n)]
        if bad:
            raise forms.ValidationError(
                gettext("Not a model name: %(names)s. Use the name as the vendor's API "
                        "spells it."), params={"names": ", ".join(bad[:3])})
        return names

    def choices(self) -> dict:
        data = self.cleaned_data
        return {"vendors": data["vendors"], "models": data["models"],
                "lead_times": data["lead_times"], "digest": data["digest"],
                "language": data["language"] or get_language()}

    @classmethod
    def initial_from_query(cls, query) -> dict:
        """Choices named in a page's link (``?vendor=openai&model=gpt-4o``), to start from."""
        return {"vendors": query.getlist("vendor")[:MAX_MODELS],
                "models": ", ".join(queries.model_words(query.getlist("model")))}

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict:
        vendors, models = subscriber.follows()
        return {"vendors": list(vendors), "models": ", ".join(models),
                "lead_times": subscriber.lead_times, "digest": subscriber.digest,
                "language": subscriber.language}


class SubscribeForm(ChoicesForm):
    email = forms.EmailField(max_length=254, label=_("Email address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    field_order = ["email", "vendors", "models", "lead_times", "digest"]

    def clean_email(self) -> str:
        """An address mail can be sent to, as it will be sent (the domain in ASCII): not a
        quoted local part, a control or direction character, an IP address or a local or
        reserved name (email-validator's rules, without asking DNS)."""
        try:
            checked = validate_email(self.cleaned_data["email"], check_deliverability=False,
                                     allow_smtputf8=False)
        except EmailNotValidError as exc:
            raise forms.ValidationError(
                gettext("Enter an address mail can be delivered to: no quotes, special "
                        "characters, IP addresses or local names."), code="undeliverable",
            ) from exc
        return checked.ascii_email


class ManageForm(ChoicesForm):
    pass
