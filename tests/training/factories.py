import datetime as dt

import factory

from tests.dealers.factories import DealerFactory
from training.choices import HV_CERTIFICATION_CODE, TechnicianLevel
from training.models import Certification, CertificationType, Technician


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician

    dealer = factory.SubFactory(DealerFactory)
    employee_code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.Sequence(lambda n: f"技师{n}")
    level = TechnicianLevel.INTERMEDIATE


class CertificationTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationType
        django_get_or_create = ["code"]

    code = HV_CERTIFICATION_CODE
    name = "高压电安全"
    validity_months = 24


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    technician = factory.SubFactory(TechnicianFactory)
    type = factory.SubFactory(CertificationTypeFactory)
    issued_on = dt.date(2025, 1, 1)
    expires_on = dt.date(2027, 1, 1)
