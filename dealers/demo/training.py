"""Technicians, certification types, courses, attendance and certifications.

About 60 % of the active technicians hold a valid HV certificate at the start (the report's 40 % gap);
region courses every six weeks certify the rest and renew certificates before they lapse, so coverage
reaches ~100 % by the end. Certificates that expire after the period's end are not renewed yet: some
fall within the next 60 days (the expiring-soon list). ADAS, body & paint and diagnostics follow the
same pattern with their own audiences and paces.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from training.choices import HV_CERTIFICATION_CODE
from training.choices import TechnicianLevel as LevelChoices
from training.models import Attendance, Certification, CertificationType, Course, Technician

from . import story
from .clock import Clock, add_months
from .identities import Identities
from .org import DealerPlan
from .rows import RowSink, plain

TechnicianLevel = plain(LevelChoices)


@dataclass(slots=True)
class TechPlan:
    id: int
    dealer: int  # dealer plan index
    code: str
    name: str
    level: str
    trade: str  # "mechanic" or "body"
    hired_day: int
    left_day: int | None
    user_id: int | None = None
    certs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # type → [(issued day, expires day)]

    def active_on(self, k: int) -> bool:
        return self.hired_day <= k and (self.left_day is None or self.left_day > k)

    def valid_on(self, code: str, k: int) -> tuple[int, int] | None:
        for issued, expires in self.certs.get(code, ()):
            if issued <= k < expires:
                return issued, expires
        return None


@dataclass(frozen=True)
class CertProgramme:
    code: str
    name: str
    validity_months: int
    eligible: Callable[[TechPlan, DealerPlan], bool]
    initial: Callable[[DealerPlan], float]
    target: Callable[[float], float]
    first_course: int  # days after the start
    every: int  # days between courses
    duration: int  # course days
    level: str


@dataclass(slots=True)
class Rosters:
    """Per dealer and week: technicians active the whole week, those with a valid HV certificate, body techs."""

    weeks: dict[tuple[int, int], tuple[list[int], list[int], list[int]]]
    fallback: dict[int, list[int]]

    def for_day(self, dealer: int, k: int) -> tuple[list[int], list[int], list[int]]:
        found = self.weeks.get((dealer, k // 7))
        if found and found[0]:
            return found
        everyone = self.fallback[dealer]
        return everyone, everyone, everyone


def build(*, rng: random.Random, clock: Clock, plans: list[DealerPlan], sink: RowSink, identities: Identities,
          region_id: int, tech_users: dict[int, int]) -> Rosters:
    techs = _hire(rng, clock, plans, sink, identities)
    for index, user_id in tech_users.items():
        candidates = [t for t in techs if t.dealer == index and t.left_day is None and t.hired_day < 0]
        chosen = next((t for t in candidates if t.level == TechnicianLevel.SENIOR), candidates[0])
        chosen.user_id = user_id
    nev_techs = sum(1 for t in techs if t.active_on(0) and plans[t.dealer].kind == "nev_centre")
    active = sum(1 for t in techs if t.active_on(0))
    # NEV centres are fully HV-certified; the others make up the region's ~60 % at the start.
    hv_other = max(0.0, (story.HV_COVERAGE_START * active - nev_techs) / max(1, active - nev_techs))
    programmes = [
        CertProgramme(HV_CERTIFICATION_CODE, "高压电安全作业认证", 24, lambda t, d: True,
                      lambda d: 1.0 if d.kind == "nev_centre" else hv_other, story.hv_coverage, 14, 42, 3,
                      TechnicianLevel.INTERMEDIATE),
        CertProgramme("ADAS", "智能驾驶辅助系统（ADAS）标定认证", 24,
                      lambda t, d: d.kind in ("4s", "nev_centre") and t.level != TechnicianLevel.JUNIOR,
                      lambda d: 0.15, lambda f: 0.15 + 0.45 * f, 30, 91, 2, TechnicianLevel.SENIOR),
        CertProgramme("BP", "钣金喷漆技师认证", 36, lambda t, d: t.trade == "body",
                      lambda d: 0.55, lambda f: 0.55 + 0.35 * f, 45, 120, 5, TechnicianLevel.INTERMEDIATE),
        CertProgramme("DIAG", "故障诊断技师认证", 24, lambda t, d: t.level != TechnicianLevel.JUNIOR,
                      lambda d: 0.25, lambda f: 0.25 + 0.3 * f, 60, 91, 4, TechnicianLevel.SENIOR),
    ]
    type_table = sink.table(CertificationType, ["id", "code", "name", "validity_months"])
    course_table = sink.table(Course, ["id", "region", "code", "title", "level", "certification_type", "starts_on",
                                       "ends_on"])
    attendance_table = sink.table(Attendance, ["id", "course", "technician", "attended", "passed", "score"])
    cert_rows: list[tuple[TechPlan, str, int, int, int]] = []  # (tech, code, type id, issued, expires)
    for programme in programmes:
        type_id = type_table.next_id()
        type_table.add((type_id, programme.code, programme.name, programme.validity_months))
        _run_programme(rng, clock, plans, techs, programme, type_id, region_id, course_table, attendance_table,
                       cert_rows)
    _general_courses(rng, clock, techs, region_id, course_table, attendance_table)
    _write(clock, plans, techs, sink, cert_rows)
    return _rosters(clock, techs)


def _hire(rng: random.Random, clock: Clock, plans: list[DealerPlan], sink: RowSink,
          identities: Identities) -> list[TechPlan]:
    table = sink.table(Technician, ["id", "dealer", "employee_code", "name", "level", "active", "hired_on",
                                    "left_on", "user", "updated_at"])
    techs: list[TechPlan] = []
    levels = [TechnicianLevel.JUNIOR, TechnicianLevel.INTERMEDIATE, TechnicianLevel.SENIOR]
    for plan in plans:
        count = max(3, round(plan.bays * 1.25))
        body_share = {"body_paint": 0.8, "4s": 0.2}.get(plan.kind, 0.0)
        serial = 0

        def hire(day: int, level: str, *, plan: DealerPlan = plan, body_share: float = body_share) -> TechPlan:
            nonlocal serial
            serial += 1
            surname, given, _ = identities.person("male" if rng.random() < 0.93 else "female")
            tech = TechPlan(id=table.next_id(), dealer=plan.index, code=f"{plan.code}-T{serial:03d}",
                            name=surname + given, level=level,
                            trade="body" if rng.random() < body_share else "mechanic", hired_day=day, left_day=None)
            techs.append(tech)
            return tech

        for _ in range(count):
            start_day = plan.opened_day - rng.randrange(5, 40) if plan.opened_day > 0 else -rng.randrange(30, 3650)
            tech = hire(start_day, rng.choices(levels, weights=[35, 43, 22])[0])
            # About 12 % leave during the period and are replaced a few weeks later.
            if rng.random() < 0.12:
                left = rng.randrange(max(tech.hired_day + 60, 10), clock.ndays + 200)
                if left < clock.ndays - 2:
                    tech.left_day = left
                    replacement_day = left + rng.randrange(7, 40)
                    if replacement_day < clock.ndays:
                        hire(replacement_day, rng.choices(levels[:2], weights=[60, 40])[0])
    return techs


def _run_programme(rng, clock, plans, techs, programme: CertProgramme, type_id, region_id, course_table,
                   attendance_table, cert_rows) -> None:
    validity_days = lambda day: (add_months(clock.date(day), programme.validity_months) - clock.start).days  # noqa: E731
    for tech in techs:
        if tech.active_on(0) and programme.eligible(tech, plans[tech.dealer]):
            if rng.random() < programme.initial(plans[tech.dealer]):
                span = min(validity_days(0), 730) - 40
                issued = -rng.randrange(20, max(21, span))
                expires = validity_days(issued)
                tech.certs.setdefault(programme.code, []).append((issued, expires))
                cert_rows.append((tech, programme.code, type_id, issued, expires))
    course_days = list(range(programme.first_course, clock.ndays - programme.duration - 2, programme.every))
    if programme.code == HV_CERTIFICATION_CODE and course_days and course_days[-1] < clock.ndays - 25:
        course_days.append(clock.ndays - 20)  # a last class so that coverage closes before the end
    for number, start in enumerate(course_days, start=1):
        end = start + programme.duration - 1
        next_end = course_days[number] + programme.duration - 1 if number < len(course_days) else clock.ndays - 1
        last = number == len(course_days)
        eligible = [t for t in techs if t.active_on(end) and programme.eligible(t, plans[t.dealer])]
        renewals = []
        for tech in eligible:
            valid = tech.valid_on(programme.code, end)
            if valid and valid[1] <= min(next_end + 10, clock.ndays - 1):
                renewals.append(tech)
        holders = sum(1 for t in eligible if t.valid_on(programme.code, end))
        uncertified = [t for t in eligible if not t.valid_on(programme.code, end)]
        rng.shuffle(uncertified)
        f = clock.progress(min(end, clock.ndays - 1))
        needed = len(uncertified) if (last and programme.code == HV_CERTIFICATION_CODE) else max(
            0, math.ceil(programme.target(f) * len(eligible)) - holders
        )
        attendees = renewals + uncertified[:needed]
        if not attendees:
            continue
        course_id = course_table.next_id()
        date = clock.date(start)
        course_table.add((course_id, region_id, f"{programme.code}-{date:%y%m}-{number:02d}",
                          f"{programme.name}培训（第{number}期）", programme.level, type_id, date.isoformat(),
                          clock.date(end).isoformat()))
        for tech in attendees:
            attended = rng.random() < 0.97
            passed = attended and rng.random() < (0.97 if tech in renewals else 0.9)
            score = None if not attended else (rng.randrange(70, 99) if passed else rng.randrange(40, 60))
            attendance_table.add((attendance_table.next_id(), course_id, tech.id, attended, passed, score))
            if passed:
                expires = validity_days(end)
                tech.certs.setdefault(programme.code, []).append((end, expires))
                cert_rows.append((tech, programme.code, type_id, end, expires))


def _general_courses(rng, clock, techs, region_id, course_table, attendance_table) -> None:
    """Courses that lead to no certificate: the standard service flow and quality inspection."""
    for number, start in enumerate(range(20, clock.ndays - 5, 182), start=1):
        course_id = course_table.next_id()
        date = clock.date(start)
        course_table.add((course_id, region_id, f"FLOW-{date:%y%m}-{number:02d}", f"服务流程标准化与质量检验（第{number}期）",
                          TechnicianLevel.JUNIOR, None, date.isoformat(), clock.date(start + 1).isoformat()))
        active = [t for t in techs if t.active_on(start + 1)]
        for tech in rng.sample(active, min(len(active), 24)):
            attendance_table.add((attendance_table.next_id(), course_id, tech.id, True, True, rng.randrange(65, 99)))


def _write(clock: Clock, plans: list[DealerPlan], techs: list[TechPlan], sink: RowSink, cert_rows) -> None:
    table = sink.table(Technician, ["id", "dealer", "employee_code", "name", "level", "active", "hired_on",
                                    "left_on", "user", "updated_at"])
    cert_table = sink.table(Certification, ["id", "technician", "type", "issued_on", "expires_on",
                                            "certificate_number", "updated_at"])
    for tech in techs:
        left = None if tech.left_day is None else clock.date(tech.left_day).isoformat()
        table.add((tech.id, plans[tech.dealer].id, tech.code, tech.name, tech.level, tech.left_day is None,
                   clock.date(tech.hired_day).isoformat(), left, tech.user_id,
                   clock.ts(clock.day_start(max(tech.hired_day, tech.left_day or 0)) + 9 * 3600)))
    serials: dict[tuple[str, int], int] = {}
    for tech, code, type_id, issued, expires in cert_rows:
        year = clock.date(issued).year
        serials[(code, year)] = serials.get((code, year), 0) + 1
        cert_table.add((cert_table.next_id(), tech.id, type_id, clock.date(issued).isoformat(),
                        clock.date(expires).isoformat(), f"{code}-{year}-{serials[(code, year)]:05d}",
                        clock.ts(clock.day_start(issued) + 17 * 3600)))


def _rosters(clock: Clock, techs: list[TechPlan]) -> Rosters:
    weeks: dict[tuple[int, int], tuple[list[int], list[int], list[int]]] = {}
    fallback: dict[int, list[int]] = {}
    for week in range((clock.ndays + 6) // 7):
        first, last = week * 7, week * 7 + 6
        for tech in techs:
            if tech.hired_day <= first and (tech.left_day is None or tech.left_day > last):
                everyone, hv, body = weeks.setdefault((tech.dealer, week), ([], [], []))
                everyone.append(tech.id)
                valid = tech.valid_on(HV_CERTIFICATION_CODE, first)
                if valid and valid[1] > last:
                    hv.append(tech.id)
                if tech.trade == "body":
                    body.append(tech.id)
    for tech in techs:
        fallback.setdefault(tech.dealer, []).append(tech.id)
    return Rosters(weeks, fallback)
