"""The parts clerk's pages from the outside: who may read and change what, the flows, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dealers.choices import Role
from parts import services
from parts.choices import MovementKind, PartsOrderStatus, TransferStatus
from parts.models import PartsOrder, Stock, StockMovement, StockTransfer
from tests.dealers.factories import DealerFactory, RegionFactory, make_user
from tests.parts.factories import PartFactory, StockFactory
from tests.workorders.factories import PartsLineFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.PARTS_CLERK, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.TECHNICIAN, Role.REGIONAL_MANAGER]


@pytest.fixture
def world(region):
    own, other = DealerFactory(region=region), DealerFactory(region=region)
    foreign = DealerFactory(region=RegionFactory(code="west", name="西区"))
    part = PartFactory()
    stocks = {}
    orders = {}
    for name, dealer in (("own", own), ("other", other), ("foreign", foreign)):
        stocks[name] = StockFactory(dealer=dealer, part=part)
        services.stock_receive(dealer=dealer, part=part, quantity=5)
        orders[name] = services.parts_order_create(dealer=dealer, kind="stock", lines=[(part, 2)])
    return {"own": own, "other": other, "foreign": foreign, "part": part, "stocks": stocks, "orders": orders}


def user_for(role, world):
    if role == Role.REGIONAL_MANAGER:
        return make_user(role, region=world["own"].region)
    return make_user(role, dealer=world["own"])


# (role, whose record) → expected status of reading the stock / changing its levels.
# Region users read their region's dealers and change none; dealer staff reach only their own dealer
# (another dealer's record is a 404); roles that see but may not change get 403.
STOCK_READ = {
    Role.PARTS_CLERK: {"own": 200, "other": 404, "foreign": 404},
    Role.SERVICE_ADVISOR: {"own": 200, "other": 404, "foreign": 404},
    Role.SERVICE_MANAGER: {"own": 200, "other": 404, "foreign": 404},
    Role.TECHNICIAN: {"own": 404, "other": 404, "foreign": 404},
    Role.REGIONAL_MANAGER: {"own": 200, "other": 200, "foreign": 404},
}
STOCK_WRITE = {
    Role.PARTS_CLERK: {"own": 302, "other": 404, "foreign": 404},
    Role.SERVICE_ADVISOR: {"own": 403, "other": 404, "foreign": 404},
    Role.SERVICE_MANAGER: {"own": 302, "other": 404, "foreign": 404},
    Role.TECHNICIAN: {"own": 404, "other": 404, "foreign": 404},
    Role.REGIONAL_MANAGER: {"own": 403, "other": 403, "foreign": 404},
}
ORDER_READ = {
    Role.PARTS_CLERK: {"own": 200, "other": 404, "foreign": 404},
    Role.SERVICE_ADVISOR: {"own": 404, "other": 404, "foreign": 404},
    Role.SERVICE_MANAGER: {"own": 200, "other": 404, "foreign": 404},
    Role.TECHNICIAN: {"own": 404, "other": 404, "foreign": 404},
    Role.REGIONAL_MANAGER: {"own": 200, "other": 200, "foreign": 404},
}
ORDER_WRITE = {
    Role.PARTS_CLERK: {"own": 302, "other": 404, "foreign": 404},
    Role.SERVICE_ADVISOR: {"own": 404, "other": 404, "foreign": 404},
    Role.SERVICE_MANAGER: {"own": 302, "other": 404, "foreign": 404},
    Role.TECHNICIAN: {"own": 404, "other": 404, "foreign": 404},
    Role.REGIONAL_MANAGER: {"own": 403, "other": 403, "foreign": 404},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other", "foreign"])
def test_stock_read_and_write_matrix(client, world, role, whose):
    client.force_login(user_for(role, world))
    stock = world["stocks"][whose]
    read = client.get(reverse("parts:stock_detail", args=[stock.pk]))
    assert read.status_code == STOCK_READ[role][whose]
    if read.status_code != 200:
        assert world["part"].name not in read.content.decode()
    write = client.post(reverse("parts:stock_levels", args=[stock.pk]), {"reorder_point": 3, "maximum": 9, "bin": "Z9"})
    assert write.status_code == STOCK_WRITE[role][whose]
    stock.refresh_from_db()
    assert (stock.bin == "Z9") is (write.status_code == 302)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("whose", ["own", "other", "foreign"])
def test_parts_order_read_and_receive_matrix(client, world, role, whose):
    client.force_login(user_for(role, world))
    order = world["orders"][whose]
    assert client.get(reverse("parts:order_detail", args=[order.pk])).status_code == ORDER_READ[role][whose]
    line = order.lines.get()
    response = client.post(reverse("parts:order_receive", args=[order.pk]), {f"line_{line.pk}": 2})
    assert response.status_code == ORDER_WRITE[role][whose]
    order.refresh_from_db()
    assert (order.status == PartsOrderStatus.RECEIVED) is (response.status_code == 302)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PARTS_CLERK, 302),
        (Role.SERVICE_MANAGER, 302),
        (Role.REGIONAL_MANAGER, 302),  # the catalogue is region-wide; the regional manager keeps it
        (Role.SERVICE_ADVISOR, 403),
        (Role.TECHNICIAN, 404),  # does not see the catalogue at all
    ],
)
def test_catalogue_edit_by_role(client, world, role, expected):
    client.force_login(user_for(role, world))
    part = world["part"]
    data = {"number": part.number, "name": "新名称", "category": part.category, "cost": "61.00", "price": "99.00",
            "active": "on"}
    assert client.post(reverse("parts:part_edit", args=[part.pk]), data).status_code == expected
    part.refresh_from_db()
    assert (part.name == "新名称") is (expected == 302)


def test_stock_list_shows_only_own_dealer_and_its_value(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    response = client.get(reverse("parts:stock_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    codes = {s.dealer.code for s in response.context["page"]}
    assert codes == {world["own"].code}
    assert response.context["total_value"] == 5 * world["part"].cost


def test_technician_cannot_open_the_parts_pages(client, world):
    client.force_login(user_for(Role.TECHNICIAN, world))
    for name in ("parts:stock_list", "parts:movement_list", "parts:transfer_list", "parts:order_list",
                 "parts:receipt_create", "parts:import"):
        assert client.get(reverse(name)).status_code == 403, name


def test_dealer_filter_offers_only_visible_dealers(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    response = client.get(reverse("parts:stock_list"), {"dealer": world["other"].pk})
    # Another dealer's id is not a valid choice: the filter refuses it and shows nothing of that dealer.
    assert world["other"].code not in response.content.decode()
    assert not response.context["filterset"].is_valid()


def test_stock_filters_below_reorder_point_and_slow_moving(client, world):
    own, part = world["own"], world["part"]
    low = StockFactory(dealer=own, part=PartFactory(number="LOW-1"), reorder_point=5, maximum=10)
    services.stock_receive(dealer=own, part=low.part, quantity=1)
    moving = StockFactory(dealer=own, part=PartFactory(number="MOVING-1"))
    services.stock_receive(dealer=own, part=moving.part, quantity=3)
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=own), part=moving.part, quantity=1)
    services.stock_issue_to_line(parts_line=line)
    client.force_login(user_for(Role.PARTS_CLERK, world))

    below = client.get(reverse("parts:stock_list"), {"below_reorder_point": "true"})
    assert [s.part.number for s in below.context["page"]] == ["LOW-1"]
    slow = client.get(reverse("parts:stock_list"), {"slow_moving": "true"})
    assert {s.part.number for s in slow.context["page"]} == {part.number, "LOW-1"}
    search = client.get(reverse("parts:stock_list"), {"q": "moving-1"})
    assert [s.part.number for s in search.context["page"]] == ["MOVING-1"]


def test_receipt_and_adjustment_forms_move_stock(client, world):
    own, part = world["own"], world["part"]
    client.force_login(user_for(Role.PARTS_CLERK, world))
    response = client.post(reverse("parts:receipt_create"),
                           {"dealer": own.pk, "part": part.number.lower(), "quantity": 4, "reference": "DN-7"})
    assert response.status_code == 302
    assert Stock.objects.get(dealer=own, part=part).on_hand == 9
    missing_reason = client.post(reverse("parts:adjustment_create"),
                                 {"dealer": own.pk, "part": part.number, "quantity": -2, "reason": " "})
    assert missing_reason.status_code == 200 and "reason" in missing_reason.context["form"].errors
    too_many = client.post(reverse("parts:adjustment_create"),
                           {"dealer": own.pk, "part": part.number, "quantity": -20, "reason": "damaged"})
    assert too_many.status_code == 200
    assert "Out of stock" in " ".join(too_many.context["form"].non_field_errors())
    ok = client.post(reverse("parts:adjustment_create"),
                     {"dealer": own.pk, "part": part.number, "quantity": -2, "reason": "damaged"})
    assert ok.status_code == 302
    assert Stock.objects.get(dealer=own, part=part).on_hand == 7


def test_receipt_for_another_dealer_is_refused_by_the_form(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    response = client.post(reverse("parts:receipt_create"),
                           {"dealer": world["other"].pk, "part": world["part"].number, "quantity": 4})
    assert response.status_code == 200 and "dealer" in response.context["form"].errors
    assert Stock.objects.get(dealer=world["other"], part=world["part"]).on_hand == 5


def test_transfer_flow_out_now_in_when_the_receiver_confirms(client, world):
    own, other, part = world["own"], world["other"], world["part"]
    sender = user_for(Role.PARTS_CLERK, world)
    receiver = make_user(Role.PARTS_CLERK, dealer=other)
    client.force_login(sender)
    response = client.post(reverse("parts:transfer_create"),
                           {"dealer": own.pk, "to_dealer": other.pk, "part": part.number, "quantity": 3})
    assert response.status_code == 302
    transfer = StockTransfer.objects.get()
    assert transfer.status == TransferStatus.IN_TRANSIT
    # The sender cannot confirm the receipt for the other dealer.
    assert client.post(reverse("parts:transfer_receive", args=[transfer.pk])).status_code == 403
    client.force_login(receiver)
    listing = client.get(reverse("parts:transfer_list"))
    assert list(listing.context["in_transit"]) == [transfer]
    assert client.post(reverse("parts:transfer_receive", args=[transfer.pk])).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert Stock.objects.get(dealer=other, part=part).on_hand == 8
    assert Stock.objects.get(dealer=own, part=part).on_hand == 2
    # A third dealer's clerk does not even see the transfer.
    client.force_login(make_user(Role.PARTS_CLERK, dealer=world["foreign"]))
    assert client.post(reverse("parts:transfer_receive", args=[transfer.pk])).status_code == 404


def test_parts_order_create_and_receive_through_the_pages(client, world):
    own, part = world["own"], world["part"]
    other_part = PartFactory(number="ZZ-9")
    client.force_login(user_for(Role.PARTS_CLERK, world))
    data = {"dealer": own.pk, "kind": "urgent", "work_order": "",
            "lines-TOTAL_FORMS": 3, "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 0, "lines-MAX_NUM_FORMS": 100,
            "lines-0-part": part.number, "lines-0-quantity": 2, "lines-1-part": "zz-9", "lines-1-quantity": 1,
            "lines-2-part": "", "lines-2-quantity": ""}
    response = client.post(reverse("parts:order_create"), data)
    assert response.status_code == 302
    order = PartsOrder.objects.filter(dealer=own, kind="urgent").get()
    assert sorted(order.lines.values_list("part__number", "quantity")) == sorted([(part.number, 2), ("ZZ-9", 1)])
    lines = {line.part_id: line for line in order.lines.all()}
    response = client.post(reverse("parts:order_receive", args=[order.pk]),
                           {f"line_{lines[part.pk].pk}": 2, f"line_{lines[other_part.pk].pk}": 1})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == PartsOrderStatus.RECEIVED
    assert set(order.movements.values_list("kind", flat=True)) == {MovementKind.RECEIPT}


def test_parts_order_form_reports_unknown_part_and_duplicates(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    base = {"dealer": world["own"].pk, "kind": "stock", "lines-TOTAL_FORMS": 2, "lines-INITIAL_FORMS": 0,
            "lines-MIN_NUM_FORMS": 0, "lines-MAX_NUM_FORMS": 100}
    unknown = client.post(reverse("parts:order_create"),
                          {**base, "lines-0-part": "NOPE", "lines-0-quantity": 1})
    assert unknown.status_code == 200
    assert "Unknown part number NOPE" in unknown.content.decode()
    number = world["part"].number
    duplicate = client.post(reverse("parts:order_create"), {**base, "lines-0-part": number, "lines-0-quantity": 1,
                                                            "lines-1-part": number, "lines-1-quantity": 2})
    assert duplicate.status_code == 200
    assert "more than one line" in " ".join(duplicate.context["formset"].non_form_errors())


def test_suggested_order_tops_up_to_maximum_net_of_open_orders(client, world):
    own = world["own"]
    low = StockFactory(dealer=own, part=PartFactory(number="SUG-1"), reorder_point=4, maximum=10)
    services.stock_receive(dealer=own, part=low.part, quantity=1)
    services.parts_order_create(dealer=own, kind="stock", lines=[(low.part, 3)])
    client.force_login(user_for(Role.PARTS_CLERK, world))
    response = client.get(reverse("parts:suggested_order"))
    lines = {line.stock.part.number: line.quantity for line in response.context["lines"]}
    assert lines == {"SUG-1": 10 - 1 - 3}
    placed = client.post(reverse("parts:suggested_order"), {"dealer": own.pk, f"qty_{low.pk}": 6})
    assert placed.status_code == 302
    order = PartsOrder.objects.filter(dealer=own, lines__part=low.part, kind="stock").latest("id")
    assert order.lines.get().quantity == 6


def test_suggested_order_for_another_dealer_is_not_found(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    assert client.get(reverse("parts:suggested_order"), {"dealer": world["other"].pk}).status_code == 404


def test_backorder_is_listed_and_issued_when_stock_arrives(client, world):
    own, part = world["own"], world["part"]
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=own), part=part, quantity=7, filled_from_stock=False)
    assert services.stock_issue_to_line(parts_line=line) is False
    client.force_login(user_for(Role.PARTS_CLERK, world))
    listing = client.get(reverse("parts:backorder_list"))
    assert [row.pk for row in listing.context["page"]] == [line.pk]
    services.stock_receive(dealer=own, part=part, quantity=5)
    response = client.post(reverse("parts:backorder_issue", args=[line.pk]))
    assert response.status_code == 302
    assert line.movements.filter(kind=MovementKind.ISSUE).exists()
    assert not client.get(reverse("parts:backorder_list")).context["page"].object_list


def test_detail_pages_show_history_and_ledger(client, world):
    stock = world["stocks"]["own"]
    user = user_for(Role.PARTS_CLERK, world)
    services.stock_levels_update(stock=stock, reorder_point=1, maximum=30, by=user)
    client.force_login(user)
    response = client.get(reverse("parts:stock_detail", args=[stock.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["history"][0].changes
    assert [m.kind for m in response.context["page"]] == [MovementKind.RECEIPT]
    part_page = client.get(reverse("parts:part_detail", args=[world["part"].pk]))
    assert [s.dealer_id for s in part_page.context["stocks"]] == [world["own"].pk]


def test_pages_render_in_both_languages(client, world):
    client.force_login(user_for(Role.SERVICE_MANAGER, world))
    for language, word in (("en", "Stock"), ("zh-hans", "库存")):
        response = client.get(reverse("parts:stock_list"), HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        if language == "en":
            assert word in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["parts:stock_list", "parts:movement_list", "parts:transfer_list", "parts:order_list", "parts:part_list",
     "parts:backorder_list", "parts:suggested_order"],
)
def test_list_query_counts_do_not_grow_with_rows(client, world, name):
    own = world["own"]
    services.stock_receive(dealer=world["other"], part=world["part"], quantity=40)
    client.force_login(user_for(Role.PARTS_CLERK, world))

    def add(count):
        for n in range(count):
            stock = StockFactory(dealer=own, part=PartFactory(), reorder_point=5, maximum=8)
            services.stock_receive(dealer=own, part=stock.part, quantity=1)
            line = PartsLineFactory(work_order=WorkOrderFactory(dealer=own), part=stock.part, quantity=3)
            services.stock_issue_to_line(parts_line=line)
            if n % 3 == 0:
                services.stock_transfer_send(from_dealer=world["other"], to_dealer=own, part=world["part"], quantity=1)
                services.parts_order_create(dealer=own, kind="urgent", lines=[(stock.part, 2)])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name)).status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(12)
    assert queries() == few <= 14


def test_movement_list_filters_by_kind(client, world):
    client.force_login(user_for(Role.PARTS_CLERK, world))
    services.stock_adjust(dealer=world["own"], part=world["part"], quantity=-1, reason="broken")
    response = client.get(reverse("parts:movement_list"), {"kind": "adjustment"})
    assert [m.kind for m in response.context["page"]] == [MovementKind.ADJUSTMENT]
    assert StockMovement.objects.filter(dealer=world["own"]).count() == 2


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_parts_page_renders_for_the_service_manager(client, world, language):
    own = world["own"]
    stock = world["stocks"]["own"]
    order = world["orders"]["own"]
    line = PartsLineFactory(work_order=WorkOrderFactory(dealer=own), part=world["part"], quantity=50)
    services.stock_issue_to_line(parts_line=line)
    services.stock_transfer_send(from_dealer=world["other"], to_dealer=own, part=world["part"], quantity=1)
    client.force_login(user_for(Role.SERVICE_MANAGER, world))
    urls = [reverse(name) for name in (
        "parts:stock_list", "parts:stock_create", "parts:movement_list", "parts:receipt_create",
        "parts:adjustment_create", "parts:transfer_list", "parts:transfer_create", "parts:order_list",
        "parts:order_create", "parts:suggested_order", "parts:backorder_list", "parts:part_list",
        "parts:part_create", "parts:import")]
    urls += [reverse("parts:stock_detail", args=[stock.pk]), reverse("parts:stock_levels", args=[stock.pk]),
             reverse("parts:order_detail", args=[order.pk]), reverse("parts:part_detail", args=[world["part"].pk]),
             reverse("parts:part_edit", args=[world["part"].pk])]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
