import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, Team, Territory, User

PASSWORD = "correct-horse-battery"


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Territory {n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    is_staff = factory.LazyAttribute(lambda u: u.role == Role.ADMIN)
    password = factory.django.Password(PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    manager = factory.SubFactory(UserFactory, role=Role.MANAGER)


class RepFactory(UserFactory):
    role = Role.REP
    team = factory.SubFactory(TeamFactory)


class ManagerFactory(UserFactory):
    role = Role.MANAGER


class AdminFactory(UserFactory):
    role = Role.ADMIN


# --- pipeline -------------------------------------------------------------
from decimal import Decimal  # noqa: E402

from pipeline import services as pipeline_services  # noqa: E402
from pipeline.models import (  # noqa: E402
    Company,
    Competitor,
    Contact,
    DealType,
    LeadSource,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)

# (name, probability, kind, is_opportunity)
STANDARD_STAGES = [
    ("Lead", 10, StageKind.OPEN, False),
    ("Qualified", 25, StageKind.OPEN, True),
    ("Demo", 50, StageKind.OPEN, False),
    ("Proposal", 70, StageKind.OPEN, False),
    ("Won", 100, StageKind.WON, False),
    ("Lost", 0, StageKind.LOST, False),
]


def make_pipeline(name: str = "New business") -> Pipeline:
    """A pipeline with the standard stages; ``stage(pipeline, "Demo")`` finds one."""
    pipeline = Pipeline.objects.create(name=name)
    for order, (stage_name, probability, kind, opportunity) in enumerate(STANDARD_STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            order=order,
            probability=probability,
            kind=kind,
            is_opportunity=opportunity,
        )
    return pipeline


def stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name, is_archived=False)


class LeadSourceFactory(DjangoModelFactory):
    class Meta:
        model = LeadSource
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Source {n}")


class CompetitorFactory(DjangoModelFactory):
    class Meta:
        model = Competitor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Competitor {n}")


class LostReasonFactory(DjangoModelFactory):
    class Meta:
        model = LostReason
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Reason {n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    owner = factory.SubFactory(RepFactory)


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company = factory.SubFactory(CompanyFactory)
    owner = factory.SelfAttribute("company.owner")


def make_deal(*, owner, pipeline=None, stage_name="Lead", amount="1000", company=None, by=None, **fields):
    """A deal created through the service, so it has its first StageChange like every real deal."""
    pipeline = pipeline or Pipeline.objects.first() or make_pipeline()
    return pipeline_services.deal_create(
        by=by or owner,
        title=fields.pop("title", f"Deal for {owner.username}"),
        company=company or CompanyFactory(owner=owner),
        owner=owner,
        pipeline=pipeline,
        stage=stage(pipeline, stage_name),
        amount=Decimal(amount),
        deal_type=fields.pop("deal_type", DealType.NEW_BUSINESS),
        **fields,
    )
