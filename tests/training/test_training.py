"""Technicians and certifications: services, the expiring-soon list, the HV gap, pages and permissions."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealers.choices import Role
from tests.dealers.factories import DealerFactory, RegionFactory, make_user
from tests.training.factories import CertificationFactory, CertificationTypeFactory, TechnicianFactory
from training import selectors, services
from training.choices import TechnicianLevel
from training.models import Attendance, Certification, Course, Technician

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def hv(db):
    return CertificationTypeFactory(code="HV", name="高压电安全", validity_months=24)


@pytest.fixture
def adas(db):
    return CertificationTypeFactory(code="ADAS", name="智能驾驶辅助", validity_months=12)


# --- services --------------------------------------------------------------------------------------------


def test_add_months_clamps_to_the_end_of_the_month():
    assert services.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert services.add_months(dt.date(2024, 2, 29), 24) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2025, 11, 15), 14) == dt.date(2027, 1, 15)


def test_certification_expiry_defaults_to_the_type_validity(hv):
    technician = TechnicianFactory()
    certification = services.certification_create(technician=technician, type=hv, issued_on=dt.date(2025, 3, 31))
    assert certification.expires_on == dt.date(2027, 3, 31)


def test_certification_must_expire_after_issue(hv):
    technician = TechnicianFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.certification_create(
            technician=technician, type=hv, issued_on=dt.date(2025, 3, 1), expires_on=dt.date(2025, 3, 1)
        )
    assert "expires_on" in excinfo.value.message_dict
    assert not Certification.objects.exists()


def test_certification_update_recomputes_expiry_when_cleared(hv, adas):
    certification = services.certification_create(
        technician=TechnicianFactory(), type=hv, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2025, 6, 1)
    )
    services.certification_update(certification=certification, type=adas, expires_on=None)
    certification.refresh_from_db()
    assert certification.expires_on == dt.date(2026, 1, 1)
    assert certification.history.count() == 2


def test_technician_employee_code_is_unique_per_dealer_with_a_clear_message(dealer, other_dealer):
    services.technician_create(dealer=dealer, employee_code="T1", name="张三", level=TechnicianLevel.JUNIOR)
    with pytest.raises(ValidationError) as excinfo:
        services.technician_create(dealer=dealer, employee_code=" T1 ", name="李四", level=TechnicianLevel.JUNIOR)
    assert "already used" in excinfo.value.message_dict["employee_code"][0]
    # Another dealer may use the same code.
    services.technician_create(dealer=other_dealer, employee_code="T1", name="王五", level=TechnicianLevel.SENIOR)


def test_technician_left_before_hired_is_refused(dealer):
    with pytest.raises(ValidationError) as excinfo:
        services.technician_create(dealer=dealer, employee_code="T2", name="赵六", level="junior",
                                   hired_on=dt.date(2025, 5, 1), left_on=dt.date(2025, 4, 1))
    assert "left_on" in excinfo.value.message_dict


def test_technician_update_refuses_moving_dealer(dealer, other_dealer):
    technician = TechnicianFactory(dealer=dealer)
    with pytest.raises(ValidationError, match="cannot be changed"):
        services.technician_update(technician=technician, dealer=other_dealer)


# --- selectors -------------------------------------------------------------------------------------------


def test_expiring_soon_lists_valid_certifications_expiring_in_the_window(dealer, hv, adas):
    manager = make_user(Role.SERVICE_MANAGER, dealer=dealer)
    tech = TechnicianFactory(dealer=dealer)
    soon = CertificationFactory(technician=tech, type=hv, issued_on=dt.date(2024, 7, 1), expires_on=TODAY + dt.timedelta(days=30))
    edge = CertificationFactory(technician=TechnicianFactory(dealer=dealer), type=hv,
                                issued_on=dt.date(2024, 7, 1), expires_on=TODAY + dt.timedelta(days=60))
    CertificationFactory(technician=tech, type=adas, issued_on=dt.date(2025, 7, 1), expires_on=TODAY + dt.timedelta(days=61))
    CertificationFactory(technician=TechnicianFactory(dealer=dealer), type=hv,
                         issued_on=dt.date(2024, 1, 1), expires_on=TODAY)  # expires today: already expired
    gone = TechnicianFactory(dealer=dealer, active=False)
    CertificationFactory(technician=gone, type=hv, issued_on=dt.date(2024, 7, 1), expires_on=TODAY + dt.timedelta(days=5))
    renewed = TechnicianFactory(dealer=dealer)
    CertificationFactory(technician=renewed, type=hv, issued_on=dt.date(2024, 7, 1), expires_on=TODAY + dt.timedelta(days=10))
    CertificationFactory(technician=renewed, type=hv, issued_on=TODAY, expires_on=dt.date(2028, 6, 15))
    CertificationFactory(technician=TechnicianFactory(dealer=DealerFactory(region=dealer.region)), type=hv,
                         issued_on=dt.date(2024, 7, 1), expires_on=TODAY + dt.timedelta(days=3))  # other dealer

    expiring = selectors.certifications_expiring(user=manager, today=TODAY)
    assert list(expiring) == [soon, edge]
    assert list(selectors.certifications_expiring(user=manager, today=TODAY, within_days=30)) == [soon]


def test_hv_gap_counts_active_technicians_without_a_valid_hv_certification(region, hv, adas):
    a, b = DealerFactory(region=region, code="A01"), DealerFactory(region=region, code="B01")
    manager = make_user(Role.REGIONAL_MANAGER, region=region)
    certified = TechnicianFactory(dealer=a)
    CertificationFactory(technician=certified, type=hv, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2027, 1, 1))
    expired = TechnicianFactory(dealer=a)
    CertificationFactory(technician=expired, type=hv, issued_on=dt.date(2024, 1, 1), expires_on=TODAY)
    adas_only = TechnicianFactory(dealer=a)
    CertificationFactory(technician=adas_only, type=adas, issued_on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 1, 1))
    future = TechnicianFactory(dealer=b)
    CertificationFactory(technician=future, type=hv, issued_on=TODAY + dt.timedelta(days=1), expires_on=dt.date(2028, 1, 1))
    TechnicianFactory(dealer=b, active=False)  # not counted
    TechnicianFactory(dealer=b, left_on=TODAY)  # has left by today: not counted
    left_later = TechnicianFactory(dealer=b, hired_on=dt.date(2020, 1, 1), left_on=TODAY + dt.timedelta(days=1))
    CertificationFactory(technician=left_later, type=hv, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2027, 1, 1))
    DealerFactory(region=RegionFactory(code="west", name="西区"))  # another region: not listed

    rows = {row.dealer.code: row for row in selectors.hv_gap(user=manager, on=TODAY)}
    assert set(rows) == {"A01", "B01"}
    assert (rows["A01"].active_technicians, rows["A01"].hv_certified, rows["A01"].missing) == (3, 1, 2)
    assert (rows["B01"].active_technicians, rows["B01"].hv_certified) == (2, 1)
    assert rows["B01"].coverage == 50
    missing = set(selectors.hv_missing(user=manager, on=TODAY))
    assert missing == {expired, adas_only, future}


def test_hv_gap_of_a_dealer_without_technicians_has_no_coverage(dealer):
    row = selectors.hv_gap(user=make_user(Role.SERVICE_MANAGER, dealer=dealer), on=TODAY)[0]
    assert row.active_technicians == 0 and row.coverage is None and row.gap is None


def test_hv_gap_query_count_does_not_grow_with_dealers(region, hv, django_assert_num_queries):
    for _ in range(6):
        dealer = DealerFactory(region=region)
        for _ in range(3):
            TechnicianFactory(dealer=dealer)
    manager = make_user(Role.REGIONAL_MANAGER, region=region)
    selectors.hv_gap(user=manager, on=TODAY)  # warm the policy's per-request memo
    with django_assert_num_queries(2):  # the aggregate and the dealers (the policy memoises dealer ids)
        rows = selectors.hv_gap(user=manager, on=TODAY)
    assert len(rows) == 6


# --- pages and permissions -------------------------------------------------------------------------------

ROLES = [Role.PARTS_CLERK, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.TECHNICIAN, Role.REGIONAL_MANAGER]
READ = {
    Role.PARTS_CLERK: {"own": 404, "other": 404},
    Role.SERVICE_ADVISOR: {"own": 200, "other": 404},
    Role.SERVICE_MANAGER: {"own": 200, "other": 404},
    Role.TECHNICIAN: {"own": 200, "other": 404},
    Role.REGIONAL_MANAGER: {"own": 200, "other": 200},
}
WRITE = {
    Role.PARTS_CLERK: {"own": 404, "other": 404},
    Role.SERVICE_ADVISOR: {"own": 403, "other": 404},
    Role.SERVICE_MANAGER: {"own": 302, "other": 404},
    Role.TECHNICIAN: {"own": 403, "other": 404},
    Role.REGIONAL_MANAGER: {"own": 403, "other": 403},
}


@pytest.fixture
def people(region, hv):
    own, other = DealerFactory(region=region), DealerFactory(region=region)
    techs = {"own": TechnicianFactory(dealer=own, name="本店技师"), "other": TechnicianFactory(dealer=other, name="他店技师")}
    certs = {k: CertificationFactory(technician=t, type=hv) for k, t in techs.items()}
    return {"own": own, "other": other, "techs": techs, "certs": certs}


def _user(role, people):
    if role == Role.REGIONAL_MANAGER:
        return make_user(role, region=people["own"].region)
    return make_user(role, dealer=people["own"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other"])
def test_technician_read_and_write_matrix(client, people, role, whose):
    client.force_login(_user(role, people))
    technician = people["techs"][whose]
    read = client.get(reverse("training:technician_detail", args=[technician.pk]))
    assert read.status_code == READ[role][whose]
    if read.status_code != 200:
        assert technician.name not in read.content.decode()
    data = {"employee_code": technician.employee_code, "name": "改名", "level": "senior", "active": "on"}
    write = client.post(reverse("training:technician_edit", args=[technician.pk]), data)
    assert write.status_code == WRITE[role][whose]
    technician.refresh_from_db()
    assert (technician.name == "改名") is (write.status_code == 302)
    cert = people["certs"][whose]
    cert_write = client.post(reverse("training:certification_edit", args=[cert.pk]),
                             {"type": cert.type_id, "issued_on": "2025-02-01", "expires_on": "", "certificate_number": "N1"})
    assert cert_write.status_code == WRITE[role][whose]


def test_manager_creates_a_technician_and_a_certification_with_default_expiry(client, people, hv):
    manager = _user(Role.SERVICE_MANAGER, people)
    client.force_login(manager)
    response = client.post(reverse("training:technician_create"),
                           {"dealer": people["own"].pk, "employee_code": "NEW1", "name": "新人", "level": "junior",
                            "active": "on", "hired_on": "2026-01-05"})
    assert response.status_code == 302
    technician = Technician.objects.get(employee_code="NEW1")
    assert technician.history.first().history_user == manager
    response = client.post(reverse("training:certification_create"),
                           {"technician": technician.pk, "type": hv.pk, "issued_on": "2026-01-31", "expires_on": ""})
    assert response.status_code == 302
    assert technician.certifications.get().expires_on == dt.date(2028, 1, 31)
    bad = client.post(reverse("training:certification_create"),
                      {"technician": technician.pk, "type": hv.pk, "issued_on": "2026-01-31", "expires_on": "2026-01-01"})
    assert bad.status_code == 200 and "expires_on" in bad.context["form"].errors


def test_manager_cannot_create_a_technician_at_another_dealer(client, people):
    client.force_login(_user(Role.SERVICE_MANAGER, people))
    response = client.post(reverse("training:technician_create"),
                           {"dealer": people["other"].pk, "employee_code": "X1", "name": "x", "level": "junior"})
    assert response.status_code == 200 and "dealer" in response.context["form"].errors
    assert not Technician.objects.filter(employee_code="X1").exists()


def test_certification_for_another_dealers_technician_is_refused(client, people, hv):
    client.force_login(_user(Role.SERVICE_MANAGER, people))
    response = client.post(reverse("training:certification_create"),
                           {"technician": people["techs"]["other"].pk, "type": hv.pk, "issued_on": "2026-01-01"})
    assert response.status_code == 200 and "technician" in response.context["form"].errors


def test_technician_detail_shows_certifications_attendance_and_history(client, people, hv):
    technician = people["techs"]["own"]
    course = Course.objects.create(region=people["own"].region, code="HV-101", title="高压安全", level="junior",
                                   certification_type=hv, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 1, 3))
    Attendance.objects.create(course=course, technician=technician, passed=True, score=92)
    client.force_login(_user(Role.SERVICE_MANAGER, people))
    response = client.get(reverse("training:technician_detail", args=[technician.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert "HV-101" in body and "92" in body
    assert response.context["history"]


def test_lists_filter_and_search(client, people, hv):
    client.force_login(_user(Role.REGIONAL_MANAGER, people))
    response = client.get(reverse("training:technician_list"), {"dealer": people["other"].pk})
    assert [t.pk for t in response.context["page"]] == [people["techs"]["other"].pk]
    response = client.get(reverse("training:technician_list"), {"q": "本店"})
    assert [t.pk for t in response.context["page"]] == [people["techs"]["own"].pk]
    response = client.get(reverse("training:certification_list"), {"expired": "false", "type": hv.pk})
    assert response.status_code == 200
    response = client.get(reverse("training:certification_list"), {"expiring_within": "30"})
    assert response.status_code == 200


def test_expiring_and_hv_gap_pages(client, people):
    client.force_login(_user(Role.REGIONAL_MANAGER, people))
    assert client.get(reverse("training:expiring_list")).context["days"] == 60
    bad = client.get(reverse("training:expiring_list"), {"days": "abc"})
    assert bad.status_code == 200 and bad.context["error"]
    gap = client.get(reverse("training:hv_gap"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert gap.status_code == 200 and len(gap.context["rows"]) == 2


def test_parts_clerk_cannot_open_training_pages(client, people):
    client.force_login(_user(Role.PARTS_CLERK, people))
    for name in ("training:technician_list", "training:certification_list", "training:expiring_list",
                 "training:hv_gap"):
        assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["training:technician_list", "training:certification_list", "training:expiring_list", "training:hv_gap"]
)
def test_training_list_query_counts_do_not_grow_with_rows(client, people, hv, name):
    client.force_login(_user(Role.REGIONAL_MANAGER, people))

    def add(count):
        for _ in range(count):
            technician = TechnicianFactory(dealer=people["own"])
            CertificationFactory(technician=technician, type=hv, issued_on=dt.date(2025, 1, 1),
                                 expires_on=timezone.localdate() + dt.timedelta(days=20))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(25)
    assert queries() == few <= 14


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_training_page_renders_for_the_service_manager(client, people, language):
    client.force_login(_user(Role.SERVICE_MANAGER, people))
    technician, certification = people["techs"]["own"], people["certs"]["own"]
    urls = [reverse(name) for name in (
        "training:technician_list", "training:technician_create", "training:certification_list",
        "training:certification_create", "training:expiring_list", "training:hv_gap")]
    urls += [reverse("training:technician_detail", args=[technician.pk]),
             reverse("training:technician_edit", args=[technician.pk]),
             reverse("training:certification_edit", args=[certification.pk])]
    for url in urls:
        assert client.get(url, HTTP_ACCEPT_LANGUAGE=language).status_code == 200, url
