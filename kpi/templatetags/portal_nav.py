"""{% portal_nav as nav %}: which of the dashboards' links the signed-in user has a use for.

Reads dealers.policy, which memoises the user's memberships for the request, so the header costs at most
the one membership query the page's own scoping already made.
"""

from django import template

from dealers import policy
from dealers.policy import Record
from dealers.selectors import visible_dealer_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"region": False, "dealer_id": None, "sees_kpis": False}
    region = policy.is_region_user(user)
    match = getattr(request, "resolver_match", None)
    return {
        "region": region,
        "dealer_id": None if region else policy.home_dealer_id(user),
        # Comparing dealers only makes sense for someone who sees more than one.
        "sees_kpis": region or len(visible_dealer_ids(user, Record.KPI)) > 1,
        "current": f"{match.namespace}:{match.url_name}" if match and match.namespace else (match.url_name if match else ""),
    }
