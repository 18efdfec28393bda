from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DigestFrequency, language_choices
from .scopes import DigestScope, ScopeKeyError
from .selectors import scope_options


class _ScopeField(forms.ChoiceField):
    def clean(self, value):
        key = super().clean(value)
        try:
            return DigestScope.parse(key) if key else None
        except ScopeKeyError as exc:
            raise forms.ValidationError(str(exc)) from None


class SubscriptionForm(forms.Form):
    """A new subscription; only the scopes dealers.policy lets the user see are offered (and accepted)."""

    frequency = forms.ChoiceField(label=_("Frequency"), choices=DigestFrequency.choices)
    scope = _ScopeField(label=_("About"))
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(scope.key, label) for scope, label in scope_options(user=user)]


class SubscriptionUpdateForm(forms.Form):
    active = forms.TypedChoiceField(
        label=_("Active"), choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda v: v == "1", required=False,
        empty_value=None,
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)


class PreviewForm(forms.Form):
    """The query string of the preview page: ?frequency=&scope=&date=&lang=."""

    frequency = forms.ChoiceField(label=_("Frequency"), choices=DigestFrequency.choices, initial=DigestFrequency.WEEKLY)
    scope = _ScopeField(label=_("About"))
    date = forms.DateField(
        label=_("Sent on"), required=False, input_formats=["%Y-%m-%d"],
        help_text=_("The day the digest goes out; it covers the period before. Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    lang = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = [(scope.key, label) for scope, label in scope_options(user=user)]
