"""{{ pk|workorder_url }} and friends: a record's page in the portal, or its admin page until the app that
owns the record has one (kpi.drilldown.record_url), so a link never breaks a dashboard."""

from django import template

from kpi import drilldown

register = template.Library()


@register.filter
def workorder_url(pk: int) -> str:
    return drilldown.work_order_url(pk)


@register.filter
def complaint_url(pk: int) -> str:
    return drilldown.complaint_url(pk)


@register.filter
def stock_url(pk: int) -> str:
    return drilldown.stock_url(pk)


@register.filter
def technician_url(pk: int) -> str:
    return drilldown.technician_url(pk)


@register.filter
def hours(delta) -> str:
    """A timedelta as "36.5 h" (localised)."""
    return drilldown.hours_text(delta)


@register.filter
def age(delta) -> str:
    """A timedelta as a compact age: "45 min", "5.2 h", "3.1 d"."""
    return drilldown.age_text(delta)
