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
    dealers.policy memoises the memberships, so this costs no extra query on a scoped page."""
    from dealers import policy
    from dealers.policy import Record

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    name = (match.url_name or "") if match and match.namespace == "workorders" else ""
    return {
        "work_orders": bool(policy.dealer_ids(user, Record.WORK_ORDER)),
        "complaints": bool(policy.dealer_ids(user, Record.COMPLAINT)),
        "customers": bool(policy.dealer_ids(user, Record.CUSTOMER)),
        "surveys": bool(policy.dealer_ids(user, Record.SURVEY)),
        "current": "complaints" if name.startswith("complaint") else ("workshop" if name else ""),
    }
