"""The subscribe and manage forms: what to follow, lead times, digest cadence."""

from __future__ import annotations

import re

from django import forms

from deprecations.models import Vendor
from notifier.models import DEFAULT_LEAD_TIMES, LEAD_TIME_CHOICES, Subscriber

MAX_MODELS = 20
MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._:@/+-]{0,99}$")


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


class ChoicesForm(forms.Form):
    vendors = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Only these vendors. None ticked: every vendor.")
    models = forms.CharField(
        required=False, max_length=2000, label="Models",
        help_text="Only these models, separated by commas or spaces, e.g. gpt-4o, claude-3-opus "
                  "(a family name also matches its snapshots and aliases). Empty: every model.")
    lead_times = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        choices=[(d, f"{_days(d)} before") for d in LEAD_TIME_CHOICES],
        initial=list(DEFAULT_LEAD_TIMES), label="Alert me",
        help_text="An email when a shutdown is this close. None ticked: no lead-time alerts.")
    digest = forms.ChoiceField(
        choices=Subscriber.Digest.choices, initial=Subscriber.Digest.WEEKLY,
        widget=forms.RadioSelect, label="Digest",
        help_text="What is coming in the next 90 days and what changed.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendors"].choices = list(Vendor.objects.values_list("slug", "name"))

    def clean_models(self) -> list[str]:
        names = [n for n in re.split(r"[\s,]+", self.cleaned_data["models"].strip().lower()) if n]
        names = list(dict.fromkeys(names))
        if len(names) > MAX_MODELS:
            raise forms.ValidationError(f"Follow at most {MAX_MODELS} models.")
        bad = [n for n in names if not MODEL_NAME.match(n)]
        if bad:
            raise forms.ValidationError(
                "Not a model name: %(names)s. Use the name as the vendor's API spells it.",
                params={"names": ", ".join(bad[:3])})
        return names

    def choices(self) -> dict:
        data = self.cleaned_data
        return {"vendors": data["vendors"], "models": data["models"],
                "lead_times": data["lead_times"], "digest": data["digest"]}

    @classmethod
    def initial_for(cls, subscriber: Subscriber) -> dict:
        vendors, models = subscriber.follows()
        return {"vendors": list(vendors), "models": ", ".join(models),
                "lead_times": subscriber.lead_times, "digest": subscriber.digest}


class SubscribeForm(ChoicesForm):
    email = forms.EmailField(max_length=254, label="Email address",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    field_order = ["email", "vendors", "models", "lead_times", "digest"]


class ManageForm(ChoicesForm):
    pass
