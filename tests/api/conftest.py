"""An API caller: ``api_as(user, write=True)`` gives a client that sends a fresh token of that user."""

import json

import pytest

from api import services


class ApiClient:
    def __init__(self, client, secret: str):
        self.client, self.secret = client, secret

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path, params=None, headers=None):
        return self.client.get("/api/v1" + path, params or {}, headers=self._headers(headers))

    def post(self, path, body=None, headers=None):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post("/api/v1" + path, data, content_type="application/json", headers=self._headers(headers))

    def patch(self, path, body=None, headers=None):
        return self.client.patch(
            "/api/v1" + path, json.dumps(body), content_type="application/json", headers=self._headers(headers)
        )


@pytest.fixture
def api_as(client):
    def make(user, *, write=True, **token_fields):
        new = services.token_create(user=user, name="test", can_write=write, **token_fields)
        return ApiClient(client, new.secret)

    return make
