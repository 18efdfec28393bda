"""The dashboards from the outside: each page for each role, scoping (404, never another dealer's data),
bounded query counts with no N+1, exports equal to the table, bad parameters explained."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpi.definitions import HEADLINE_KPIS

from .conftest import add_busy_dealers

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("kpi:overview")
LEAGUE = reverse("kpi:league")
TRENDS = reverse("kpi:trends")


def kpi_url(code: str) -> str:
    return reverse("kpi:kpi_detail", args=[code])


def dealer_url(dealer) -> str:
    return reverse("dealers:dealer_detail", args=[dealer.pk])


def get(client, url, **extra):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


class _Table(HTMLParser):
    """The header texts of the first <thead> and the rows' first-cell texts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._in_head = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "thead" and not self.headers:
            self._in_head = True
        elif tag == "tbody" and not self.rows:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("th", "td") and (self._in_head or self._in_body):
            self._cell = []
        elif tag == "span" and self._cell is not None and ("class", "visually-hidden") in attrs:
            self._cell.append("\0")  # screen-reader text is not part of the visible cell

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell).split("\0")[0].strip()
            (self.headers if self._in_head else self.rows[-1]).append(text)
            self._cell = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_of(response) -> _Table:
    parser = _Table()
    parser.feed(response.content.decode())
    return parser


# --- landing --------------------------------------------------------------------------------------


def test_regional_manager_lands_on_the_region_overview(dash, client):
    client.force_login(dash.manager)
    assert client.get(reverse("home")).url == OVERVIEW


def test_dealer_staff_land_on_their_own_dealers_page(dash, client):
    for user in (dash.staff, dash.technician, dash.clerk):
        client.force_login(user)
        assert client.get(reverse("home")).url == dealer_url(dash.a)


def test_a_user_without_membership_gets_a_friendly_page(dash, client):
    client.force_login(dash.nobody)
    response = get(client, reverse("home"))
    assert response.status_code == 200
    assert "not yet linked to a region or a dealer" in response.content.decode()


# --- every page for every role ---------------------------------------------------------------------


def test_regional_manager_sees_every_page(dash, client):
    client.force_login(dash.manager)
    urls = [OVERVIEW, LEAGUE, TRENDS, reverse("dealers:dealer_list"), dealer_url(dash.a), dealer_url(dash.d),
            f"{TRENDS}?compare=tier&by=week", f"{TRENDS}?compare=dealers&dealer={dash.a.pk}&dealer={dash.b.pk}"]
    urls += [kpi_url(kpi.code) for kpi in HEADLINE_KPIS]
    urls += [f"{kpi_url('fill_rate')}?dealer={dash.a.pk}", f"{kpi_url('gross_margin')}?kind=4s&tier=1"]
    for url in urls:
        assert get(client, url).status_code == 200, url


@pytest.mark.parametrize("period", ["day", "week", "month", "quarter", "year"])
def test_pages_render_for_each_kind_of_period(dash, client, period):
    client.force_login(dash.manager)
    on = dash.yesterday.isoformat()
    for url in (OVERVIEW, LEAGUE, kpi_url("csi"), dealer_url(dash.a)):
        assert get(client, f"{url}?period={period}&on={on}").status_code == 200


def test_dealer_staff_see_their_dealer_page_with_every_section(dash, client):
    client.force_login(dash.staff)
    html = get(client, dealer_url(dash.a)).content.decode()
    for section in ('id="kpis"', 'id="board"', 'id="parts"', 'id="people"', 'id="complaints"'):
        assert section in html
    assert dash.open_work_order.number in html  # on the workshop board
    assert "P-OIL-01" in html  # below its reorder point
    assert "late by" in html  # the 3-day-old complaint's 48 h clock ran out
    # A single dealer's staff get no "region" column: it would be an aggregate of other dealers' numbers.
    assert ">Region<" not in html


def test_each_role_sees_only_the_sections_of_its_records(dash, client):
    client.force_login(dash.technician)
    html = get(client, dealer_url(dash.a)).content.decode()
    assert 'id="board"' in html and 'id="people"' in html
    assert 'id="kpis"' not in html and 'id="complaints"' not in html and 'id="parts"' not in html
    client.force_login(dash.clerk)
    html = get(client, dealer_url(dash.a)).content.decode()
    assert 'id="parts"' in html and 'id="kpis"' in html and 'id="board"' in html
    assert 'id="complaints"' not in html and 'id="people"' not in html


def test_dealer_staff_kpi_page_shows_only_their_dealer(dash, client):
    client.force_login(dash.staff)
    response = get(client, f"{kpi_url('csi')}?dealer={dash.a.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert dash.b.code not in html and dash.elsewhere.code not in html


# --- scoping ---------------------------------------------------------------------------------------


def test_dealer_staff_get_404_for_another_dealers_page(dash, client):
    client.force_login(dash.staff)
    for other in (dash.b, dash.elsewhere):
        assert get(client, dealer_url(other)).status_code == 404
    assert get(client, reverse("dealers:dealer_detail", args=[999999])).status_code == 404


def test_dealer_staff_get_404_for_another_dealers_kpi_drilldown(dash, client):
    client.force_login(dash.staff)
    for code in ("first_time_fix_rate", "fill_rate", "complaint_48h_rate", "output_value"):
        assert get(client, f"{kpi_url(code)}?dealer={dash.b.pk}").status_code == 404
        assert get(client, f"{kpi_url(code)}?dealer=abc").status_code == 404


def test_dealer_staff_exports_and_league_hold_only_their_dealer(dash, client):
    client.force_login(dash.staff)
    rows = list(csv.reader(io.StringIO(get(client, reverse("kpi:league_export", args=["csv"])).content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [dash.a.code]
    book = openpyxl.load_workbook(io.BytesIO(get(client, reverse("kpi:league_export", args=["xlsx"])).content))
    assert [row[0].value for row in book.active.iter_rows(min_row=2)] == [dash.a.code]
    assert [r[0] for r in table_of(get(client, LEAGUE)).rows] == [dash.a.code]
    # Asking for another region by filter is refused, not answered.
    response = get(client, f"{LEAGUE}?region={dash.elsewhere.region_id}")
    assert dash.elsewhere.code not in response.content.decode()


def test_regional_manager_cannot_reach_another_regions_dealer(dash, client):
    client.force_login(dash.manager)
    assert get(client, dealer_url(dash.elsewhere)).status_code == 404
    assert get(client, f"{kpi_url('csi')}?dealer={dash.elsewhere.pk}").status_code == 404
    codes = [r[0] for r in table_of(get(client, LEAGUE)).rows]
    assert codes == [dash.a.code, dash.b.code, dash.c.code, dash.d.code]


def test_users_without_kpi_scope_get_404_on_region_pages(dash, client):
    for user in (dash.technician, dash.nobody):
        client.force_login(user)
        for url in (OVERVIEW, LEAGUE, TRENDS, kpi_url("csi"), reverse("kpi:league_export", args=["csv"])):
            assert get(client, url).status_code == 404, (user, url)


def test_anonymous_users_are_sent_to_log_in(dash, client):
    for url in (OVERVIEW, LEAGUE, dealer_url(dash.a), reverse("kpi:league_export", args=["xlsx"])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_drilldown_records_of_a_kind_the_user_may_not_see_are_withheld(dash, client):
    """A parts clerk sees the CSI of their dealer but not the surveys behind it."""
    client.force_login(dash.clerk)
    html = get(client, f"{kpi_url('csi')}?dealer={dash.a.pk}").content.decode()
    assert "0 records" in html
    assert dash.comeback_origin.number not in html


# --- the numbers link to where they come from ------------------------------------------------------


def test_tiles_league_cells_and_dealer_figures_link_to_their_kpi_pages(dash, client):
    client.force_login(dash.manager)
    html = get(client, OVERVIEW).content.decode()
    for kpi in HEADLINE_KPIS:
        assert f'href="{kpi_url(kpi.code)}?period=month' in html
    html = get(client, LEAGUE).content.decode()
    assert f"{kpi_url('csi')}?period=month&amp;on=" in html and f"dealer={dash.a.pk}" in html
    html = get(client, dealer_url(dash.a)).content.decode()
    assert f"{kpi_url('fill_rate')}?period=month" in html and f"region={dash.region.pk}" in html


def test_drilldowns_list_the_records_behind_the_number(dash, client):
    client.force_login(dash.manager)
    html = get(client, f"{kpi_url('first_time_fix_rate')}?dealer={dash.a.pk}").content.decode()
    assert dash.comeback_origin.number in html and dash.comeback.number in html
    html = get(client, kpi_url("fill_rate")).content.decode()
    assert "P-OIL-01" in html and "1 record" in html
    html = get(client, kpi_url("complaint_48h_rate")).content.decode()
    assert f"#{dash.late_complaint.pk}" in html


def test_record_links_fall_back_to_the_admin_while_an_app_has_no_page(dash, client, monkeypatch):
    from kpi import drilldown

    client.force_login(dash.manager)
    html = get(client, f"{kpi_url('first_time_fix_rate')}?dealer={dash.a.pk}").content.decode()
    assert drilldown.work_order_url(dash.comeback_origin.pk) in html
    assert drilldown.record_url("nowhere:nothing", "admin:workorders_workorder_change", 7) == \
        reverse("admin:workorders_workorder_change", args=[7])
    assert drilldown.record_url("nowhere:nothing", "admin:nothing_here", 7) == ""


# --- league: sort, filters, exports ----------------------------------------------------------------


def test_league_sorts_by_any_column_server_side(dash, client):
    client.force_login(dash.manager)
    table = table_of(get(client, f"{LEAGUE}?sort=-output_value"))
    assert [r[0] for r in table.rows] == [dash.a.code, dash.c.code, dash.d.code, dash.b.code]
    table = table_of(get(client, f"{LEAGUE}?sort=tier"))
    assert [r[0] for r in table.rows] == [dash.a.code, dash.c.code, dash.b.code, dash.d.code]
    html = get(client, f"{LEAGUE}?sort=-output_value").content.decode()
    assert 'aria-sort="descending"' in html


def test_league_filters_by_kind_and_city_tier(dash, client):
    client.force_login(dash.manager)
    assert [r[0] for r in table_of(get(client, f"{LEAGUE}?kind=quick_repair")).rows] == [dash.b.code]
    assert [r[0] for r in table_of(get(client, f"{LEAGUE}?tier=4")).rows] == [dash.d.code]


def test_exports_have_the_tables_columns_and_rows(dash, client):
    client.force_login(dash.manager)
    query = "?sort=-output_value&kind=&tier="
    table = table_of(get(client, LEAGUE + query))
    csv_rows = list(csv.reader(io.StringIO(
        get(client, reverse("kpi:league_export", args=["csv"]) + query).content.decode("utf-8-sig"))))
    assert csv_rows[0] == table.headers
    assert [row[0] for row in csv_rows[1:]] == [row[0] for row in table.rows]
    response = get(client, reverse("kpi:league_export", args=["xlsx"]) + query)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == table.headers
    assert [row[0] for row in rows[1:]] == [row[0] for row in table.rows]
    # Numbers stay numbers: the output value of A as on the page.
    column = table.headers.index("Output value (CNY)")
    assert rows[1][column] == float(table.rows[0][column].replace(",", ""))


def test_unknown_export_format_is_a_404(dash, client):
    client.force_login(dash.manager)
    assert get(client, reverse("kpi:league_export", args=["pdf"])).status_code == 404


# --- bad parameters ---------------------------------------------------------------------------------


def test_bad_period_says_what_is_wrong_and_shows_the_default(dash, client):
    client.force_login(dash.manager)
    html = get(client, f"{OVERVIEW}?period=fortnight&on=2025-02-30").content.decode()
    assert 'role="alert"' in html
    assert "fortnight" in html and "Date:" in html and "Showing " in html


def test_bad_filters_and_sort_are_explained(dash, client):
    client.force_login(dash.manager)
    html = get(client, f"{LEAGUE}?tier=9&kind=spaceport&sort=nonsense").content.decode()
    assert html.count("<li>") >= 3 and "nonsense" in html and "City tier:" in html and "Kind:" in html
    assert len(table_of(get(client, f"{LEAGUE}?tier=9")).rows) == 4  # the refused filter is dropped


def test_comparing_needs_two_to_five_dealers(dash, client):
    client.force_login(dash.manager)
    html = get(client, f"{TRENDS}?compare=dealers&dealer={dash.a.pk}").content.decode()
    assert "between 2 and 5 dealers" in html


def test_unknown_kpi_is_a_404(dash, client):
    client.force_login(dash.manager)
    assert get(client, kpi_url("happiness")).status_code == 404


# --- both languages ---------------------------------------------------------------------------------


def test_pages_speak_chinese_with_localised_money(dash, client):
    client.force_login(dash.manager)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(OVERVIEW).content.decode()
    assert '<html lang="zh-hans">' in html
    assert re.search(r"[\d,]+ 元", html)
    html = client.get(LEAGUE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in html  # the cookie (the switcher's choice) wins


# --- query counts -----------------------------------------------------------------------------------

# Session, user, memberships, the policy's dealer ids (one per kind of record shown), the dealers, the
# cache's data version, the page's own reads (cache empty), and the header's links (about two).
# Measured: 12, 11, 11, 18, 30.
QUERY_LIMITS = {
    "overview": 14,
    "league": 13,
    "trends": 13,
    "kpi_detail": 20,
    "dealer_detail": 32,
}


def _pages(dash):
    return {
        "overview": OVERVIEW,
        "league": LEAGUE,
        "trends": f"{TRENDS}?by=week",
        "kpi_detail": f"{kpi_url('first_time_fix_rate')}?by=week",
        "dealer_detail": dealer_url(dash.a),
    }


def test_query_counts_are_bounded(dash, client, django_assert_max_num_queries):
    client.force_login(dash.manager)
    for name, url in _pages(dash).items():
        with django_assert_max_num_queries(QUERY_LIMITS[name]):
            assert get(client, url).status_code == 200


def test_query_counts_do_not_grow_with_the_number_of_dealers_or_records(dash, client):
    """No N+1: six more dealers with work orders, complaints, stock and technicians cost no more queries."""
    client.force_login(dash.manager)

    def count() -> dict[str, int]:
        result = {}
        for name, url in _pages(dash).items():
            with CaptureQueriesContext(connection) as queries:
                assert get(client, url).status_code == 200
            result[name] = len(queries)
        return result

    before = count()
    add_busy_dealers(dash, 6)
    assert count() == before


def test_records_behind_a_number_are_paginated(dash, client):
    from .conftest import _deliver

    for _ in range(27):
        _deliver(dash.c, dash.yesterday, amount="100.00")
    from kpi.services import kpi_rollup

    kpi_rollup(start=dash.yesterday, end=dash.yesterday)
    client.force_login(dash.manager)
    first = get(client, f"{kpi_url('ro_count')}?dealer={dash.c.pk}")
    assert len(table_of_records(first)) == 25 and "Page 1 of 2" in first.content.decode()
    second = get(client, f"{kpi_url('ro_count')}?dealer={dash.c.pk}&page=2")
    assert len(table_of_records(second)) == 27 + 2 - 25  # C's two earlier work orders, too


def table_of_records(response) -> list[str]:
    html = response.content.decode()
    body = html.split('<table class="records">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>", body.split("<tbody>", 1)[1])


def test_league_marks_a_dealer_far_below_the_others(dash, client):
    """Output values 600 (B), 880…930 (six new dealers), 1,200, 1,400, 3,400: the median is 915, the MAD
    30, one robust deviation 44.5; B is 7 deviations below, A far above (which is good, not marked)."""
    from kpi.services import kpi_rollup
    from tests.dealers.factories import DealerFactory

    from .conftest import _deliver

    for n in range(6):
        _deliver(DealerFactory(region=dash.region, code=f"S{n}"), dash.yesterday, amount=f"{780 + 10 * n}.00")
    kpi_rollup(start=dash.yesterday, end=dash.yesterday)
    client.force_login(dash.manager)
    response = get(client, LEAGUE)
    column = table_of(response).headers.index("Output value (CNY)")
    html = response.content.decode()

    def cell_classes(code: str) -> str:
        row = html.split(f">{code}</a></td>", 1)[1].split("</tr>", 1)[0]
        cells = re.findall(r"<t[dh][^>]*>", row)  # name, kind, tier, city, then the KPIs
        return cells[column - 1]

    assert "outlier" in cell_classes(dash.b.code)
    assert "outlier" not in cell_classes(dash.a.code) and "outlier" not in cell_classes("S0")


@pytest.mark.parametrize("role", ["service_advisor", "parts_clerk", "service_manager"])
def test_dealer_roles_with_kpi_access_see_their_kpi_pages(dash, client, role):
    from dealers.choices import Role
    from tests.dealers.factories import make_user

    user = make_user(Role(role), dealer=dash.a, username=f"u-{role}")
    client.force_login(user)
    assert get(client, dealer_url(dash.a)).status_code == 200
    assert get(client, f"{kpi_url('csi')}?dealer={dash.a.pk}").status_code == 200
    assert get(client, f"{kpi_url('csi')}?dealer={dash.b.pk}").status_code == 404
