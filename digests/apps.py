"""KPI digests by e-mail (issue 7).

Why an app of its own: subscriptions and the delivery log are records with their own lifecycle — a user
subscribes, changes language, unsubscribes from a link in a mail; every digest sent is claimed, sent,
retried and logged exactly once per user, scope and period. None of that belongs to the KPI engine
(kpi/ computes numbers and knows nothing about people or mail) nor to dealers/ (the organisation). The
digest reads every number through kpi.selectors and every scope through dealers.policy.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = _("KPI digests")
