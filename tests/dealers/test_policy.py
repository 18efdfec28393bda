"""The permission policy on its own: each role × kind of record × own/other dealer × view/change."""

import pytest
from django.contrib.auth.models import AnonymousUser

from dealers import policy
from dealers.choices import Role
from dealers.policy import Action, Record
from tests.dealers.factories import DealerFactory, RegionFactory, UserFactory, make_user

V, C = Action.VIEW, Action.CHANGE

# role → (records it may view at its own dealer, records it may change there)
EXPECTED = {
    Role.SERVICE_MANAGER: (set(Record), set(Record) - {Record.DEALER, Record.KPI_TARGET}),
    Role.SERVICE_ADVISOR: (
        {Record.DEALER, Record.KPI, Record.WORK_ORDER, Record.CUSTOMER, Record.COMPLAINT, Record.SURVEY,
         Record.LABOUR_LINE, Record.STOCK, Record.PART, Record.TECHNICIAN},
        {Record.WORK_ORDER, Record.CUSTOMER, Record.COMPLAINT, Record.SURVEY, Record.LABOUR_LINE},
    ),
    Role.PARTS_CLERK: (
        {Record.DEALER, Record.KPI, Record.WORK_ORDER, Record.PART, Record.STOCK, Record.PARTS_ORDER},
        {Record.PART, Record.STOCK, Record.PARTS_ORDER},
    ),
    Role.TECHNICIAN: (
        {Record.DEALER, Record.WORK_ORDER, Record.LABOUR_LINE, Record.TECHNICIAN},
        {Record.LABOUR_LINE},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("record", list(Record))
def test_dealer_roles_reach_only_their_own_dealer(role, record):
    region = RegionFactory()
    own, other = DealerFactory(region=region), DealerFactory(region=region)
    user = make_user(role, dealer=own)
    may_view, may_change = EXPECTED[role]
    assert policy.can(user, V, record, own.id) is (record in may_view)
    assert policy.can(user, C, record, own.id) is (record in may_change)
    assert not policy.can(user, V, record, other.id)
    assert not policy.can(user, C, record, other.id)
    assert policy.dealer_ids(user, record, V) == ({own.id} if record in may_view else set())


@pytest.mark.django_db
def test_regional_manager_reads_the_region_and_writes_only_dealers_and_targets():
    region, elsewhere = RegionFactory(code="east"), RegionFactory(code="west", name="西区")
    mine = [DealerFactory(region=region) for _ in range(3)]
    foreign = DealerFactory(region=elsewhere)
    manager = make_user(Role.REGIONAL_MANAGER, region=region)
    for record in Record:
        assert policy.dealer_ids(manager, record, V) == {d.id for d in mine}
    assert policy.dealer_ids(manager, Record.KPI_TARGET, C) == {d.id for d in mine}
    assert policy.dealer_ids(manager, Record.WORK_ORDER, C) == set()
    assert not policy.can(manager, V, Record.WORK_ORDER, foreign.id)
    assert policy.region_ids(manager) == {region.id}
    assert policy.home_dealer_id(manager) is None


@pytest.mark.django_db
def test_anonymous_inactive_and_unassigned_users_see_nothing():
    DealerFactory()
    inactive = make_user(Role.SERVICE_MANAGER, is_active=False)
    for user in (AnonymousUser(), inactive, UserFactory()):
        assert policy.dealer_ids(user, Record.WORK_ORDER, V) == set()
        assert not policy.is_region_user(user)


@pytest.mark.django_db
def test_scope_filters_a_queryset_by_dealer(dealer, other_dealer):
    from tests.workorders.factories import WorkOrderFactory
    from workorders.models import WorkOrder

    mine, theirs = WorkOrderFactory(dealer=dealer), WorkOrderFactory(dealer=other_dealer)
    advisor = make_user(Role.SERVICE_ADVISOR, dealer=dealer)
    visible = policy.scope(WorkOrder.objects.all(), advisor, Record.WORK_ORDER)
    assert list(visible) == [mine]
    assert theirs not in visible
    assert policy.home_dealer_id(advisor) == dealer.id


@pytest.mark.django_db
def test_technicians_see_only_labour_lines_assigned_to_them(dealer):
    from tests.training.factories import TechnicianFactory
    from tests.workorders.factories import LabourLineFactory, WorkOrderFactory
    from workorders.models import LabourLine

    user = make_user(Role.TECHNICIAN, dealer=dealer)
    me, colleague = TechnicianFactory(dealer=dealer, user=user), TechnicianFactory(dealer=dealer)
    work_order = WorkOrderFactory(dealer=dealer)
    mine = LabourLineFactory(work_order=work_order, technician=me)
    LabourLineFactory(work_order=work_order, technician=colleague)
    assert list(policy.labour_lines_scope(LabourLine.objects.all(), user, C)) == [mine]
    manager = make_user(Role.SERVICE_MANAGER, dealer=dealer)
    assert policy.labour_lines_scope(LabourLine.objects.all(), manager, C).count() == 2


@pytest.mark.django_db
def test_superuser_sees_every_dealer(superuser, dealer, other_dealer):
    assert policy.dealer_ids(superuser, Record.WORK_ORDER, C) == {dealer.id, other_dealer.id}
