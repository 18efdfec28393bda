"""Post-visit surveys and complaints.

About 60 % of delivered work orders get a survey answered 1–10 days after delivery; dimension scores
are 100 unless something went wrong (a late delivery hurts on-time, a comeback hurts quality), so CSI
rises from ≈ 95 to ≈ 98 and the NPS sits around 50. Complaints fall by about 40 %, are resolved within
48 h ≈ 90 % of the time and are almost never escalated at the end.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from workorders import choices
from workorders.models import Complaint, Survey

from . import data, story
from .clock import HOUR, MINUTE, Clock
from .org import DealerPlan
from .rows import RowSink, plain

ComplaintChannel = plain(choices.ComplaintChannel)
ComplaintSeverity = plain(choices.ComplaintSeverity)
SHORTFALLS = (10, 10, 10, 20, 20, 30, 40, 50)
CATEGORY_WEIGHTS = {"waiting": 25, "quality": 20, "price": 18, "attitude": 15, "parts": 10, "other": 12}
CHANNELS = [(ComplaintChannel.PHONE, 35), (ComplaintChannel.IN_STORE, 25), (ComplaintChannel.ONLINE, 20),
            (ComplaintChannel.SOCIAL, 10), (ComplaintChannel.HEADQUARTERS, 10)]
SEVERITIES = [(ComplaintSeverity.LOW, 35), (ComplaintSeverity.MEDIUM, 40), (ComplaintSeverity.HIGH, 20),
              (ComplaintSeverity.CRITICAL, 5)]


@dataclass(slots=True)
class Visit:
    """What the customer lived through, as far as feedback cares."""

    work_order_id: int
    customer_id: int
    delivered_at: int
    late: bool
    comeback: bool  # this visit will come back (the repair did not hold)
    back_order: bool


class Feedback:
    def __init__(self, *, rng: random.Random, clock: Clock, sink: RowSink) -> None:
        self.rng = rng
        self.clock = clock
        self.surveys = sink.table(Survey, [
            "id", "work_order", "dealer", "external_id", "answered_at", "attitude_score", "price_transparency_score",
            "on_time_score", "quality_score", "facility_score", "recommend", "comment", "updated_at",
        ])
        self.complaints = sink.table(Complaint, [
            "id", "dealer", "external_id", "work_order", "customer", "channel", "category", "severity", "description",
            "resolution", "opened_at", "first_response_at", "resolved_at", "closed_at", "escalated", "escalated_at",
            "updated_at",
        ])
        self._channel_cum = _cumulative(CHANNELS)
        self._severity_cum = _cumulative(SEVERITIES)

    def survey(self, plan: DealerPlan, visit: Visit, f: float) -> None:
        rng, clock = self.rng, self.clock
        if rng.random() >= story.SURVEY_RATE:
            return
        day = clock.day_of(visit.delivered_at) + rng.randrange(1, 11)
        answered = clock.day_start(day) + 9 * HOUR + rng.randrange(11 * HOUR)
        if answered >= clock.cutoff:
            return
        shortfall = story.survey_shortfall(f)
        if visit.late:
            shortfall["on_time_score"] = min(0.9, shortfall["on_time_score"] * 4)
        if visit.comeback:
            shortfall["quality_score"] = min(0.9, shortfall["quality_score"] * 3)
        if visit.back_order:
            shortfall["on_time_score"] = min(0.9, shortfall["on_time_score"] * 1.5)
        scores = []
        short = 0
        for probability in shortfall.values():
            if rng.random() < probability:
                scores.append(100 - rng.choice(SHORTFALLS))
                short += 1
            else:
                scores.append(100)
        promoters = story.promoter_share(f) * (1.08 if short == 0 else 0.9)
        detractors = story.detractor_share(f) * (0.7 if short == 0 else 1.4)
        draw = rng.random()
        if draw < promoters:
            recommend = 10 if rng.random() < 0.62 else 9
        elif draw < promoters + detractors:
            recommend = rng.choice((6, 6, 5, 5, 4, 3, 2, 0))
        else:
            recommend = 8 if rng.random() < 0.6 else 7
        if short and rng.random() < 0.5:
            comment = rng.choice(data.SURVEY_COMMENTS_BAD)
        elif rng.random() < 0.3:
            comment = rng.choice(data.SURVEY_COMMENTS_GOOD)
        else:
            comment = ""
        self.surveys.add((self.surveys.next_id(), visit.work_order_id, plan.id, None, clock.ts(answered), *scores,
                          recommend, comment, clock.ts(answered)))

    def maybe_complaint(self, plan: DealerPlan, visit: Visit, f: float) -> None:
        rng = self.rng
        weight = 1.0 + 2.0 * visit.late + 2.5 * visit.comeback + 1.5 * visit.back_order
        # The context weights raise the odds for bad visits; dividing by their mean keeps the overall rate.
        if rng.random() >= story.complaint_rate(f) * weight / 1.45:
            return
        categories = dict(CATEGORY_WEIGHTS)
        if visit.late:
            categories["waiting"] += 60
        if visit.back_order:
            categories["parts"] += 60
        if visit.comeback:
            categories["quality"] += 80
        category = rng.choices(list(categories), weights=list(categories.values()))[0]
        linked = rng.random() < 0.9  # some complaints name the customer but no particular visit
        opened = visit.delivered_at + rng.randrange(10 * MINUTE, 72 * HOUR)
        self._complaint(plan, visit.work_order_id if linked else None, visit.customer_id, category, opened, f)

    def _complaint(self, plan: DealerPlan, work_order_id: int | None, customer_id: int, category: str, opened: int,
                   f: float) -> None:
        rng, clock = self.rng, self.clock
        if opened >= clock.cutoff:
            return
        channel = rng.choices(CHANNELS, cum_weights=self._channel_cum)[0][0]
        severity = rng.choices(SEVERITIES, cum_weights=self._severity_cum)[0][0]
        response = opened + int(min(30 * HOUR, max(5 * MINUTE, rng.lognormvariate(math.log(1.6 * HOUR * (1 - 0.4 * f)),
                                                                                   0.8))))
        if rng.random() < story.resolved_48h_rate(f):
            resolved = opened + rng.randrange(max(2 * HOUR, response - opened + MINUTE), 47 * HOUR)
        else:
            resolved = opened + rng.randrange(49 * HOUR, 240 * HOUR)
        resolved = max(resolved, response)
        closed = resolved + rng.randrange(2 * HOUR, 72 * HOUR)
        escalated_at = None
        serious = severity in (ComplaintSeverity.HIGH, ComplaintSeverity.CRITICAL)
        if resolved - opened > 8 * HOUR and rng.random() < story.escalation_rate(f) * (2.5 if serious else 0.6):
            # Headquarters takes over a complaint still unresolved after a few hours.
            escalated_at = opened + rng.randrange(6 * HOUR, min(resolved - opened, 96 * HOUR))
        cutoff = clock.cutoff
        response_at = response if response < cutoff else None
        resolved_at = resolved if resolved < cutoff else None
        closed_at = closed if closed < cutoff else None
        if escalated_at is not None and escalated_at >= cutoff:
            escalated_at = None
        updated = max(t for t in (opened, response_at, resolved_at, closed_at, escalated_at) if t is not None)
        description, resolution = data.COMPLAINT_TEXTS[category]
        self.complaints.add((
            self.complaints.next_id(), plan.id, None, work_order_id, customer_id, channel, category,
            severity, description, resolution if resolved_at is not None else "", clock.ts(opened),
            clock.ts_or_none(response_at), clock.ts_or_none(resolved_at), clock.ts_or_none(closed_at),
            escalated_at is not None, clock.ts_or_none(escalated_at), clock.ts(updated),
        ))


def _cumulative(pairs: list[tuple[object, int]]) -> list[int]:
    total, result = 0, []
    for _, weight in pairs:
        total += weight
        result.append(total)
    return result
