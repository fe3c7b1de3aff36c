"""/api/v1/openapi.json is a valid OpenAPI 3 document, and /api/v1/docs works under our CSP."""

import re

from openapi_spec_validator import validate

from salestracker.settings import CONTENT_SECURITY_POLICY


def test_the_schema_is_valid_openapi(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_the_schema_documents_the_problem_answers(client, db):
    log = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/activities"]["post"]
    assert {"201", "401", "403", "409", "413", "422", "429"} <= set(log["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in log["parameters"])


def test_the_docs_page_loads_its_assets_from_our_own_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    # No inline script would run under the CSP: the only <script> without src holds JSON data.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in inline), inline
    assert "'self'" in str(CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"])
    assert "script-src 'self'" in response["Content-Security-Policy"]
