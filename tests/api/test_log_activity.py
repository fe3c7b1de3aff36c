"""POST /api/v1/activities: logging, the Idempotency-Key, and bad input refused with nothing written."""

from activities.models import Activity
from api.models import IdempotencyKey
from tests.factories import ContactFactory, make_deal

CALL = {"kind": "call", "outcome": "connected", "duration_minutes": 4, "notes": "Dialer call 881"}


def test_it_logs_a_call_for_the_caller(api_as, rep):
    response = api_as(rep).post("/activities", CALL)
    assert response.status_code == 201
    activity = Activity.objects.get()
    assert (activity.owner, activity.kind, activity.outcome, activity.duration_minutes) == (rep, "call", "connected", 4)
    assert response.json()["id"] == activity.pk
    assert response.json()["owner_id"] == rep.pk


def test_it_fills_the_company_from_the_contact(api_as, rep):
    contact = ContactFactory(owner=rep)
    response = api_as(rep).post("/activities", CALL | {"contact_id": contact.pk})
    assert response.status_code == 201
    assert response.json()["company_id"] == contact.company_id


def test_a_retry_with_the_same_key_logs_nothing_twice(api_as, rep):
    caller = api_as(rep)
    first = caller.post("/activities", CALL, headers={"Idempotency-Key": "call-881"})
    again = caller.post("/activities", CALL, headers={"Idempotency-Key": "call-881"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Activity.objects.count() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(api_as, rep):
    caller = api_as(rep)
    caller.post("/activities", CALL, headers={"Idempotency-Key": "k"})
    reordered = dict(reversed(list(CALL.items())))
    assert caller.post("/activities", reordered, headers={"Idempotency-Key": "k"}).status_code == 201
    assert Activity.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(api_as, rep):
    caller = api_as(rep)
    caller.post("/activities", CALL, headers={"Idempotency-Key": "call-881"})
    response = caller.post("/activities", CALL | {"duration_minutes": 9}, headers={"Idempotency-Key": "call-881"})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert Activity.objects.count() == 1


def test_keys_are_per_user(api_as, rep, teammate):
    api_as(rep).post("/activities", CALL, headers={"Idempotency-Key": "call-1"})
    assert api_as(teammate).post("/activities", CALL, headers={"Idempotency-Key": "call-1"}).status_code == 201
    assert Activity.objects.count() == 2


def test_a_refused_request_leaves_no_key_so_its_fixed_retry_logs(api_as, rep):
    caller = api_as(rep)
    bad = caller.post("/activities", {"kind": "call"}, headers={"Idempotency-Key": "k"})
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert caller.post("/activities", CALL, headers={"Idempotency-Key": "k"}).status_code == 201


def test_without_a_key_each_post_logs(api_as, rep):
    caller = api_as(rep)
    caller.post("/activities", CALL)
    caller.post("/activities", CALL)
    assert Activity.objects.count() == 2


def test_a_call_without_outcome_is_refused_next_to_the_field(api_as, rep):
    response = api_as(rep).post("/activities", {"kind": "call"})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422
    assert body["errors"] == [{"pointer": "#/outcome", "detail": "Choose how it went."}]
    assert not Activity.objects.exists()


def test_an_unknown_kind_and_a_stray_field_are_refused(api_as, rep):
    response = api_as(rep).post("/activities", CALL | {"kind": "fax", "outcom": "x"})
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert errors["#/outcom"] == "This field is not known; check its spelling."
    assert errors["#/kind"].startswith("Choose one of: 'call', 'email'")
    assert set(errors) == {"#/kind", "#/outcom"}
    assert not Activity.objects.exists()


def test_a_missing_kind_and_a_number_that_is_none_are_refused_in_plain_words(api_as, rep):
    response = api_as(rep).post("/activities", {"outcome": "connected", "duration_minutes": "four"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "#/kind", "detail": "This field is required."},
        {"pointer": "#/duration_minutes", "detail": "Enter a whole number."},
    ]


def test_a_body_that_is_not_json_is_refused(api_as, rep):
    response = api_as(rep).post("/activities", "{not json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "The body is not valid JSON."
    assert not Activity.objects.exists()


def test_too_long_a_call_is_refused(api_as, rep):
    response = api_as(rep).post("/activities", CALL | {"duration_minutes": 24 * 60 + 1})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "#/duration_minutes", "detail": "Enter 1440 or less."}]


def test_a_call_in_the_future_is_refused(api_as, rep):
    response = api_as(rep).post("/activities", CALL | {"occurred_at": "2999-01-01T10:00:00Z"})
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/occurred_at"]


def test_another_teams_deal_is_refused_as_if_it_did_not_exist(api_as, rep, outsider):
    deal = make_deal(owner=outsider)
    theirs = api_as(rep).post("/activities", CALL | {"deal_id": deal.pk})
    missing = api_as(rep).post("/activities", CALL | {"deal_id": 999999})
    assert theirs.status_code == missing.status_code == 422
    assert theirs.json()["errors"] == missing.json()["errors"]
    assert theirs.json()["errors"][0]["pointer"] == "#/deal_id"
    assert not Activity.objects.exists()


def test_a_rep_cannot_log_for_a_teammate(api_as, rep, teammate):
    response = api_as(rep).post("/activities", CALL | {"owner_id": teammate.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/owner_id"
    assert not Activity.objects.exists()


def test_a_manager_logs_for_a_rep_of_their_team_only(api_as, manager, rep, outsider):
    caller = api_as(manager)
    assert caller.post("/activities", CALL | {"owner_id": rep.pk}).status_code == 201
    assert caller.post("/activities", CALL | {"owner_id": outsider.pk}).status_code == 422
    assert list(Activity.objects.values_list("owner", flat=True)) == [rep.pk]
