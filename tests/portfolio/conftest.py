"""The worked example of docs/metrics.md "Account coverage": Alex's accounts on Wednesday 18 November 2026."""

from datetime import date

import pytest

from activities import services as activity_services
from dashboards import rollups
from pipeline.models import Segment
from portfolio.models import AccountAssignment
from tests.factories import CompanyFactory, ContactFactory
from tests.helpers import at


@pytest.fixture
def accounts(frozen, rep, teammate):
    """Acme (customer, Alex's): a teammate's call on 3 November. Globex (customer, the teammate's,
    assigned to Alex): Alex's call on 2 October. Initech (prospect, Alex's): Alex's email to its
    contact on 17 November. Hooli (prospect, Alex's): never touched. Umbrella (customer, Alex's,
    assigned to the teammate): Alex's call on 10 November."""
    acme = CompanyFactory(name="Acme", owner=rep, is_customer=True, segment=Segment.ENTERPRISE)
    globex = CompanyFactory(name="Globex", owner=teammate, is_customer=True, segment=Segment.SMB)
    initech = CompanyFactory(name="Initech", owner=rep, segment=Segment.SMB)
    hooli = CompanyFactory(name="Hooli", owner=rep)
    umbrella = CompanyFactory(name="Umbrella", owner=rep, is_customer=True)
    AccountAssignment.objects.create(company=globex, rep=rep)
    AccountAssignment.objects.create(company=umbrella, rep=teammate)

    def log(owner, kind, outcome, day, **links):
        activity_services.activity_log(owner=owner, by=owner, kind=kind, outcome=outcome, occurred_at=at(day), **links)

    log(teammate, "call", "connected", date(2026, 11, 3), company=acme)
    log(rep, "call", "no_answer", date(2026, 10, 2), company=globex)
    log(rep, "email", "sent", date(2026, 11, 17), contact=ContactFactory(company=initech))
    log(rep, "call", "connected", date(2026, 11, 10), company=umbrella)
    rollups.drain()
    return {"acme": acme, "globex": globex, "initech": initech, "hooli": hooli, "umbrella": umbrella}
