"""The OpenAPI document at /schema describes every request, response and error as sent."""

from __future__ import annotations

import pytest

BODY_OPERATIONS = {
    ("post", "/api/projects"),
    ("patch", "/api/projects/{project_id}"),
    ("put", "/api/projects/{project_id}/context"),
    ("post", "/api/projects/{project_id}/links"),
    ("patch", "/api/links/{link_id}"),
    ("post", "/api/projects/{project_id}/reports"),
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/login"),
    ("post", "/api/interview/{token}/join"),
    ("post", "/api/interview/{token}/leave"),
    ("put", "/api/agent/interviews/{interview_id}/turns/{seq}"),
    ("post", "/api/agent/interviews/{interview_id}/complete"),
}


@pytest.fixture(scope="module")
async def document(client) -> dict:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def resolve(document: dict, schema: dict) -> dict:
    for option in schema.get("oneOf", []):  # an optional body: the type, or null
        if "$ref" in option:
            schema = option
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def codes(schema: dict) -> list[str]:
    code = schema["properties"]["code"]
    return sorted(code.get("enum") or [code["const"]])


async def test_every_request_body_is_documented_from_its_type(document):
    found = {(m, p) for m, p, op in operations(document) if "requestBody" in op}
    assert BODY_OPERATIONS <= found
    for method, path, op in operations(document):
        if (method, path) in BODY_OPERATIONS:
            schema = resolve(document, op["requestBody"]["content"]["application/json"]["schema"])
            assert schema["type"] == "object" and schema["properties"], (method, path)


async def test_every_response_has_a_documented_shape(document):
    for method, path, op in operations(document):
        ok = [s for s in op["responses"] if s.startswith("2")]
        assert ok, (method, path)
        content = op["responses"][ok[0]].get("content")
        assert content, (method, path)
        schema = next(iter(content.values()))["schema"]
        assert schema != {} and schema.get("type") != "null", (method, path)


async def test_errors_are_documented_as_sent_with_their_codes(document):
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith("2"):
                continue
            schema = resolve(document, response["content"]["application/json"]["schema"])
            assert {"code", "detail"} <= set(schema["required"]), (method, path, status)
            assert "status_code" not in schema["properties"]
            assert codes(schema), (method, path, status)


@pytest.mark.parametrize(
    "method,path,status,expected",
    [
        ("post", "/api/projects/{project_id}/links", "402", ["insufficient_tokens"]),
        ("post", "/api/projects/{project_id}/links", "409", ["context_missing"]),
        ("post", "/api/projects/{project_id}/links", "422", ["invalid_input", "unknown_voice"]),
        ("post", "/api/interview/{token}/join", "410", ["cancelled", "completed", "expired"]),
        ("post", "/api/interview/{token}/join", "403", ["email_mismatch"]),
        ("put", "/api/agent/interviews/{interview_id}/turns/{seq}", "409", ["turn_conflict"]),
        ("post", "/api/auth/login", "429", ["too_many_attempts"]),
        ("post", "/api/projects", "415", ["unsupported_media_type"]),
        ("post", "/api/projects", "403", ["csrf_failed"]),
    ],
)
async def test_each_operation_lists_the_codes_it_answers(document, method, path, status, expected):
    schema = resolve(
        document, document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    )
    assert codes(schema) == expected


async def test_extra_error_fields_are_documented(document):
    links = document["paths"]["/api/projects/{project_id}/links"]["post"]["responses"]["402"]
    schema = resolve(document, links["content"]["application/json"]["schema"])
    assert {"required", "available"} <= set(schema["required"])
    login = document["paths"]["/api/auth/login"]["post"]["responses"]["429"]
    assert "retry_after" in resolve(document, login["content"]["application/json"]["schema"])["required"]


async def test_a_wrong_method_answers_405_with_allow(researcher):
    r = await researcher.client.delete("/api/projects", headers=researcher.headers)
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert set(r.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


async def test_the_markdown_export_names_its_charset_once(document):
    content = document["paths"]["/api/reports/{report_id}/markdown"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/markdown"]


async def test_options_lists_every_method_of_the_path(client):
    r = await client.options("/api/projects")
    assert r.status_code == 204
    assert r.headers["allow"] == "GET, OPTIONS, POST"


async def test_a_body_the_operation_can_go_without_is_documented_as_optional(document):
    assert document["paths"]["/api/projects/{project_id}/reports"]["post"]["requestBody"]["required"] is False
    assert document["paths"]["/api/projects"]["post"]["requestBody"]["required"] is True


async def test_options_lists_every_method_of_a_path_with_parameters(researcher):
    link = await researcher.link()
    r = await researcher.client.options(f"/api/links/{link['id']}")
    assert r.headers["allow"] == "GET, OPTIONS, PATCH"
