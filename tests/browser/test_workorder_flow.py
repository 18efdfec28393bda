"""A service advisor's day in the browser: book a car for a new customer, add labour and a part (with its
stock shown), take the work order through every step to delivery with a signature drawn on the canvas,
while the customer's progress link shows each step."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from dealers.choices import Role
from tests.browser.conftest import login
from tests.dealers.factories import DealerFactory, RegionFactory, make_user
from tests.parts.factories import PartFactory
from tests.training.factories import TechnicianFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.services, pytest.mark.browser]


@pytest.fixture
def workshop(transactional_db):
    from parts.services import stock_receive

    dealer = DealerFactory(region=RegionFactory(), code="HZ01", name="杭州示例4S店")
    advisor = make_user(Role.SERVICE_ADVISOR, dealer=dealer, username="sa-browser")
    technician = TechnicianFactory(dealer=dealer, name="Wang Wei")
    part = PartFactory(number="BP-2001", name="Brake pads")
    stock_receive(dealer=dealer, part=part, quantity=5)
    return {"dealer": dealer, "advisor": advisor, "part": part, "technician": technician}


def _step(page, label: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=f"→ {label}").click()
    assert page.locator("#wo-status").inner_text() == label, page.locator(".errorlist").all_inner_texts()


def _progress_steps(progress) -> dict[str, tuple[str, str]]:
    """label → (state, time shown) on the customer's page."""
    progress.reload()
    steps = {}
    for item in progress.locator("ol.steps li").all():
        time = item.locator("time")
        steps[item.inner_text().split("\n")[0].strip()] = (
            item.get_attribute("class"),
            time.inner_text() if time.count() else "",
        )
    return steps


def test_service_advisor_books_and_delivers_a_car(live_server, page, context, workshop):
    from parts.models import Stock
    from workorders.models import WorkOrder

    login(page, live_server, "sa-browser", "pass-word-123")

    # --- booking: a new customer and a car seen for the first time
    page.goto(f"{live_server.url}/workorders/new/")
    page.fill("#booking-search", "13912345678")
    page.wait_for_timeout(400)  # the lookup finds nobody: a new customer
    page.fill("#id_new_customer_name", "Li Lei")
    page.fill("#id_new_customer_phone", "13912345678")
    page.fill("#id_vin", "LSVAB1234C5678901")
    page.fill("#id_plate", "浙A12345")
    page.fill("#id_brand", "Volkswagen")
    page.fill("#id_model", "Passat")
    page.select_option("#id_powertrain", "ICE")
    page.fill("#id_model_year", "2021")
    page.fill("#id_mileage_km", "42000")
    page.select_option("#id_type", "repair")
    promised = timezone.localtime() + dt.timedelta(hours=5)
    page.fill("#id_promised_at", promised.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_concern", "Squeaking brakes")
    with page.expect_navigation():
        page.get_by_role("button", name="Book", exact=True).click()
    assert page.locator("#wo-status").inner_text() == "Booked"
    work_order = WorkOrder.objects.get()
    assert work_order.number.startswith("HZ01-")

    # --- the customer's link, opened by the customer (no login)
    progress_url = page.locator("#progress-url").input_value()
    progress = context.browser.new_context(locale="en-US").new_page()
    progress.goto(progress_url)
    assert "浙A***45" in progress.content() and "Li Lei" not in progress.content()
    assert _progress_steps(progress)["Booked"][0] == "current"

    _step(page, "Checked in")
    assert _progress_steps(progress)["Checked in"][0] == "current"

    # --- labour line with a technician of the dealer
    page.fill("#id_labour-op_code", "BR01")
    page.fill("#id_labour-description", "Replace front brake pads")
    page.fill("#id_labour-flat_rate_hours", "1.5")
    page.fill("#id_labour-amount", "360")
    page.select_option("#id_labour-technician", str(workshop["technician"].pk))
    assert "Wang Wei" in page.locator("#id_labour-technician option:checked").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Add labour").click()
    assert "BR01" in page.locator("#labour-lines").inner_text()

    # --- a part: the form shows the dealer's live stock before adding
    page.get_by_text("Add a part").click()
    page.fill("#id_parts-part_number", "BP-2001")
    page.wait_for_function("document.querySelector('#stock-info').textContent.includes('5 on hand')")
    page.fill("#id_parts-quantity", "2")
    with page.expect_navigation():
        page.get_by_role("button", name="Add part").click()
    assert "issued from stock" in page.locator("#parts-lines").inner_text()
    assert Stock.objects.get(dealer=workshop["dealer"], part=workshop["part"]).on_hand == 3
    assert "¥560.00" in page.locator("#total-all").inner_text()

    _step(page, "In progress")
    page.fill("input[name=actual_hours]", "1.4")
    with page.expect_navigation():
        page.locator("#labour-lines").get_by_role("button", name="Save").click()
    _step(page, "Quality check")
    _step(page, "Ready for pick-up")

    # --- the customer signs on the canvas with the mouse, and the car is delivered
    canvas = page.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 150)
    page.mouse.down()
    for i in range(1, 30):
        page.mouse.move(box["x"] + 40 + i * 15, box["y"] + 150 - (i % 6) * 18, steps=2)
    page.mouse.up()
    with page.expect_navigation():
        page.get_by_role("button", name="Save signature and deliver").click()
    assert page.locator("#wo-status").inner_text() == "Delivered"
    signature = page.locator("img.signature-image")
    assert signature.evaluate("img => img.complete && img.naturalWidth > 0")

    work_order.refresh_from_db()
    assert work_order.delivered_at and work_order.signed_at and work_order.quality_checked_at
    assert work_order.labour_amount == 360 and work_order.parts_amount == 200

    # --- the customer's page shows every step with its time
    steps = _progress_steps(progress)
    assert list(steps) == ["Booked", "Checked in", "In progress", "Quality check", "Ready for pick-up", "Delivered"]
    assert all(time for _state, time in steps.values())
    assert steps["Delivered"][0] == "current"
    progress.context.close()
