"""{% workbench_nav as wb %}: whether the header links to the parts workbench and the training pages.

Asks dealers.policy by role only (dealer_id None), which reads the memberships it has already memoised
for the request: the header adds no query to any page.
"""

from django import template

from dealers import policy
from dealers.policy import Action, Record

register = template.Library()


@register.simple_tag(takes_context=True)
def workbench_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"parts": False, "training": False, "current": ""}
    match = getattr(request, "resolver_match", None)
    return {
        "parts": policy.can(user, Action.VIEW, Record.STOCK, None),
        "training": policy.can(user, Action.VIEW, Record.TECHNICIAN, None),
        "current": match.namespace if match else "",
    }
