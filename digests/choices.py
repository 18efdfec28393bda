from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily (yesterday)")
    WEEKLY = "weekly", _("Weekly on Monday (the previous week)")
    MONTHLY = "monthly", _("Monthly on the 1st (the previous month)")


# The word in a subject line: "【周报】…" / "Weekly KPI digest · …".
FREQUENCY_SUBJECT_LABEL = {
    DigestFrequency.DAILY: pgettext_lazy("digest subject", "Daily"),
    DigestFrequency.WEEKLY: pgettext_lazy("digest subject", "Weekly"),
    DigestFrequency.MONTHLY: pgettext_lazy("digest subject", "Monthly"),
}


class ScopeKind(models.TextChoices):
    REGION = "region", _("Region")
    TIER = "tier", _("City tier of a region")
    DEALER = "dealer", _("Dealer")


class DeliveryStatus(models.TextChoices):
    SENDING = "sending", _("Sending")  # claimed: a worker owns it (or will, after a lease timeout)
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")  # retries exhausted or the content could not be built; re-run retries it
    SKIPPED = "skipped", _("Skipped")  # nothing to send: unsubscribed, no e-mail, scope no longer visible


def language_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES]
