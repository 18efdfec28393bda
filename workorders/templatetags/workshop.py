"""Template helpers of the workshop pages."""

import datetime as dt

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def duration_hours(value: dt.timedelta | None) -> str:
    """A duration as localised hours with one decimal (the 48 h complaint clock)."""
    if value is None:
        return ""
    return formats.number_format(value.total_seconds() / 3600, 1, use_l10n=True)


@register.filter
def person(user) -> str:
    """A user's full name, else username; an em dash for nobody."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()


@register.simple_tag(takes_context=True)
def workshop_links(context) -> dict:
    """Which workshop links the header shows the signed-in user, and which one is the current section.
    Asks dealers.policy by role (dealer None): memoised memberships, no query per link."""
    from dealers import policy
    from dealers.policy import Action, Record

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match and match.namespace == "workorders" else ""

    def sees(record: Record) -> bool:
        return policy.can(user, Action.VIEW, record, None)

    return {
        "work_orders": sees(Record.WORK_ORDER),
        "complaints": sees(Record.COMPLAINT),
        "customers": sees(Record.CUSTOMER),
        "surveys": sees(Record.SURVEY),
        "current": "complaints" if name.startswith("complaint") else ("workshop" if name else ""),
    }
