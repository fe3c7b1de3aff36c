"""Helpers of the deal pages' tests: what a deal write could touch, and the forms' data."""

from pipeline.models import Deal, StageChange


def _snapshot():
    """Everything a deal write could touch, to prove a refused request wrote nothing."""
    return list(Deal.objects.order_by("pk").values()), StageChange.objects.count()


def _edit_data(deal, **overrides):
    data = {
        "title": deal.title,
        "company": deal.company_id,
        "contact": deal.contact_id or "",
        "owner": deal.owner_id,
        "amount": str(deal.amount),
        "deal_type": deal.deal_type,
        "lead_source": "",
        "expected_close_date": "",
    }
    data.update(overrides)
    return data
