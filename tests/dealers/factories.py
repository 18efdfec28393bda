import factory
from django.contrib.auth import get_user_model

from dealers.choices import DealerKind, Role
from dealers.models import Dealer, Membership, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = "east"
    name = "华东区"


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试经销商{n}")
    kind = DealerKind.STORE_4S
    city = "杭州"
    city_tier = 2
    bays = 10
    labour_cost_rate = 60


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.SERVICE_ADVISOR
    dealer = factory.SubFactory(DealerFactory)
    region = None


def make_user(role: str, *, dealer: Dealer | None = None, region: Region | None = None, **kwargs):
    """A user with one membership: a region role needs `region`, a dealer role `dealer`."""
    user = UserFactory(**kwargs)
    if role == Role.REGIONAL_MANAGER:
        Membership.objects.create(user=user, role=role, region=region or (dealer.region if dealer else RegionFactory()))
    else:
        Membership.objects.create(user=user, role=role, dealer=dealer or DealerFactory())
    return user
