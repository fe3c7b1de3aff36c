"""Helpers of the address book's tests: the list pages' query limit and the forms' data."""

from pipeline.models import Segment

# A list page answers in a fixed number of queries, whatever the number of rows.
LIST_QUERY_LIMIT = 6


def _company_data(**overrides):
    data = {"name": "Globex", "segment": Segment.ENTERPRISE, "employees": "1200", "website": "https://globex.example"}
    return data | overrides


def _contact_data(**overrides):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@globex.example", "title": "CTO"}
    return data | overrides
