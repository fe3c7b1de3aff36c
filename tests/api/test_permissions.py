"""Every operation of the API against every role, as tests/test_permissions.py does for the pages.

Token auth is not what that matrix sends (a session), so the API has this one: each role calls with
its own read-and-write token (anonymous: none). ``test_it_covers_every_operation`` fails when an
operation has no row here.
"""

import pytest

from api.v1 import api
from tests.factories import ContactFactory, make_deal, make_pipeline, stage

ROLES = ("anonymous", "rep", "outsider", "manager", "admin")
SIGNED_IN = (401, 200, 200, 200, 200)
OWN_TEAM = (401, 200, 404, 200, 200)  # another team's record is not even confirmed to exist
CALL = {"kind": "call", "outcome": "connected"}

# (method, path) -> (path arguments, body or query, expected status for each of ROLES)
MATRIX = {
    ("post", "/api/v1/activities"): (None, CALL, (401, 201, 201, 201, 201)),
    ("get", "/api/v1/activities"): (None, None, SIGNED_IN),
    ("get", "/api/v1/activities/{activity_id}"): (lambda o: {"activity_id": o["activity"].pk}, None, OWN_TEAM),
    ("patch", "/api/v1/activities/{activity_id}"): (
        lambda o: {"activity_id": o["activity"].pk},
        {"duration_minutes": 5},
        OWN_TEAM,
    ),
    ("get", "/api/v1/deals"): (None, None, SIGNED_IN),
    ("post", "/api/v1/deals/{deal_id}/move"): (
        lambda o: {"deal_id": o["deal"].pk},
        lambda o: {"stage_id": o["demo"].pk},
        OWN_TEAM,
    ),
    # The address book is shared: everyone signed in reads it.
    ("get", "/api/v1/contacts/lookup"): (None, {"phone": "+14155550100"}, SIGNED_IN),
    ("get", "/api/v1/me/week"): (None, None, SIGNED_IN),
    ("get", "/api/v1/team/figures"): (None, None, (401, 403, 403, 200, 200)),
}


def _operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method, path) for path, methods in paths.items() for method in methods}


def test_it_covers_every_operation():
    assert _operations() == set(MATRIX)


@pytest.fixture
def objects(rep):
    pipeline = make_pipeline()
    deal = make_deal(owner=rep, pipeline=pipeline)
    from activities.services import activity_log

    ContactFactory(owner=rep, phone="+1 415 555 0100")
    return {
        "deal": deal,
        "demo": stage(pipeline, "Demo"),
        "activity": activity_log(owner=rep, by=rep, kind="call", outcome="connected", deal=deal),
    }


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_it_answers_each_role(client, api_as, objects, rep, outsider, manager, admin_user, operation, role_index, role):
    method, path = operation
    build, data, expected = MATRIX[operation]
    url = path.format(**build(objects)) if build else path
    data = data(objects) if callable(data) else data
    user = {"rep": rep, "outsider": outsider, "manager": manager, "admin": admin_user}.get(role)
    headers = {"Authorization": f"Bearer {api_as(user).secret}"} if user else {}
    if method == "get":
        response = client.get(url, data or {}, headers=headers)
    else:
        response = getattr(client, method)(url, data or {}, content_type="application/json", headers=headers)
    assert response.status_code == expected[role_index], f"{role} {method.upper()} {url}: {response.content[:200]!r}"


@pytest.mark.parametrize("operation", sorted(op for op in MATRIX if op[0] != "get"))
def test_a_read_only_token_may_not_write(api_as, objects, rep, operation):
    method, path = operation
    build, data, _expected = MATRIX[operation]
    url = path.format(**build(objects)) if build else path
    data = data(objects) if callable(data) else data
    caller = api_as(rep, write=False)
    response = getattr(caller.client, method)(
        url, data, content_type="application/json", headers={"Authorization": f"Bearer {caller.secret}"}
    )
    assert response.status_code == 403
