"""Checks for the project's Twilio Messaging v1 OpenAPI description.

The document lives at ``openapi/twilio-messaging-openapi.yml`` and is the
``messagingApi`` source of the provision-messaging-service workflow.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

ROOT = Path(__file__).parent.parent
SPEC_PATH = ROOT / "openapi" / "twilio-messaging-openapi.yml"
WORKFLOW_PATH = ROOT / "workflows" / "twilio-provision-messaging-service-add-number-workflow.yml"

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

EXPECTED_OPERATIONS = {
    "createMessagingService": ("post", "/Services"),
    "listMessagingServices": ("get", "/Services"),
    "fetchMessagingService": ("get", "/Services/{ServiceSid}"),
    "updateMessagingService": ("post", "/Services/{ServiceSid}"),
    "deleteMessagingService": ("delete", "/Services/{ServiceSid}"),
    "addPhoneNumber": ("post", "/Services/{ServiceSid}/PhoneNumbers"),
    "listPhoneNumbers": ("get", "/Services/{ServiceSid}/PhoneNumbers"),
}

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

MG = "MG" + "0123456789abcdef" * 2
AC = "AC" + "0123456789abcdef" * 2
PN = "PN" + "0123456789abcdef" * 2


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load(SPEC_PATH)


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local ``$ref`` pointers until a non-reference node is reached."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local refs expected, got {ref}"
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _operations(spec: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    ops: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                assert op["operationId"] not in ops, f"duplicate operationId {op['operationId']}"
                ops[op["operationId"]] = (method, path, op)
    return ops


def _schema_validator(spec: dict[str, Any], name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _form_schema(spec: dict[str, Any], op_id: str) -> dict[str, Any]:
    _, _, op = _operations(spec)[op_id]
    body = _resolve(spec, op["requestBody"])
    assert list(body["content"]) == [FORM]
    return _resolve(spec, body["content"][FORM]["schema"])


# --------------------------------------------------------------------------
# document validity
# --------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_info_says_it_is_the_projects_own_description(spec: dict[str, Any]) -> None:
    info = spec["info"]
    assert info["title"]
    assert info["version"]
    assert "arazzo_runner" in info["description"]


def test_single_server_is_the_messaging_product_host(spec: dict[str, Any]) -> None:
    assert [s["url"] for s in spec["servers"]] == ["https://messaging.twilio.com/v1"]
    assert not any(p.startswith("/v1") for p in spec["paths"])
    for item in spec["paths"].values():
        assert "servers" not in item


# --------------------------------------------------------------------------
# operations
# --------------------------------------------------------------------------


def test_required_operations_have_expected_method_and_path(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    for op_id, (method, path) in EXPECTED_OPERATIONS.items():
        assert op_id in ops, f"missing operation {op_id}"
        assert ops[op_id][:2] == (method, path), op_id


def test_workflow_operations_resolve_in_this_document(spec: dict[str, Any]) -> None:
    workflow = _load(WORKFLOW_PATH)
    sources = {s["name"]: s["url"] for s in workflow["sourceDescriptions"]}
    assert (WORKFLOW_PATH.parent / sources["messagingApi"]).resolve() == SPEC_PATH.resolve()

    ops = _operations(spec)
    for wf in workflow["workflows"]:
        for step in wf["steps"]:
            assert step["operationId"] in ops
            _, path, _ = ops[step["operationId"]]
            for param in step.get("parameters", []):
                if param["in"] == "path":
                    assert "{" + param["name"] + "}" in path


@pytest.mark.parametrize(
    ("op_id", "statuses"),
    [
        ("createMessagingService", {"201"}),
        ("listMessagingServices", {"200"}),
        ("fetchMessagingService", {"200"}),
        ("updateMessagingService", {"200"}),
        ("deleteMessagingService", {"204"}),
        ("addPhoneNumber", {"200", "201"}),
        ("listPhoneNumbers", {"200"}),
    ],
)
def test_success_status_codes(spec: dict[str, Any], op_id: str, statuses: set[str]) -> None:
    _, _, op = _operations(spec)[op_id]
    success = {code for code in op["responses"] if code.startswith("2")}
    assert success == statuses


def test_delete_returns_no_body(spec: dict[str, Any]) -> None:
    for op_id in ("deleteMessagingService", "deletePhoneNumber"):
        ops = _operations(spec)
        if op_id not in ops:
            continue
        assert "content" not in _resolve(spec, ops[op_id][2]["responses"]["204"])


def test_success_bodies_reference_component_schemas(spec: dict[str, Any]) -> None:
    expected = {
        ("createMessagingService", "201"): "MessagingService",
        ("fetchMessagingService", "200"): "MessagingService",
        ("updateMessagingService", "200"): "MessagingService",
        ("listMessagingServices", "200"): "MessagingServiceList",
        ("addPhoneNumber", "201"): "PhoneNumber",
        ("addPhoneNumber", "200"): "PhoneNumber",
        ("listPhoneNumbers", "200"): "PhoneNumberList",
    }
    ops = _operations(spec)
    for (op_id, status), schema_name in expected.items():
        response = _resolve(spec, ops[op_id][2]["responses"][status])
        schema = response["content"][JSON]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{schema_name}"}, (op_id, status)


# --------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------


def test_service_sid_is_a_path_level_parameter(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        if "{ServiceSid}" not in path:
            continue
        params = [_resolve(spec, p) for p in item.get("parameters", [])]
        service_sid = [p for p in params if p["name"] == "ServiceSid"]
        assert len(service_sid) == 1, path
        param = service_sid[0]
        assert param["in"] == "path" and param["required"] is True
        schema = _resolve(spec, param["schema"])
        assert schema["pattern"] == "^MG[0-9a-fA-F]{32}$"
        assert schema["minLength"] == schema["maxLength"] == 34
        for method, op in item.items():
            if method in HTTP_METHODS:
                names = [_resolve(spec, p)["name"] for p in op.get("parameters", [])]
                assert "ServiceSid" not in names, f"{method} {path} redeclares ServiceSid"


@pytest.mark.parametrize("op_id", ["listMessagingServices", "listPhoneNumbers"])
def test_list_pagination_parameters(spec: dict[str, Any], op_id: str) -> None:
    _, _, op = _operations(spec)[op_id]
    params = {p["name"]: p for p in (_resolve(spec, p) for p in op["parameters"])}
    assert set(params) >= {"PageSize", "Page", "PageToken"}
    for p in params.values():
        assert p["in"] == "query"
    assert params["PageSize"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
        "default": 50,
    }
    assert params["Page"]["schema"]["type"] == "integer"
    assert params["Page"]["schema"]["minimum"] == 0
    assert params["PageToken"]["schema"]["type"] == "string"


# --------------------------------------------------------------------------
# request bodies
# --------------------------------------------------------------------------

SERVICE_FORM_FIELDS = {
    "FriendlyName",
    "InboundRequestUrl",
    "InboundMethod",
    "FallbackUrl",
    "FallbackMethod",
    "StatusCallback",
    "StickySender",
    "MmsConverter",
    "SmartEncoding",
    "ScanMessageContent",
    "FallbackToLongCode",
    "AreaCodeGeomatch",
    "ValidityPeriod",
    "SynchronousValidation",
    "Usecase",
    "UseInboundWebhookOnNumber",
}


def test_request_bodies_are_form_encoded_component_refs(spec: dict[str, Any]) -> None:
    for op_id, (_, _, op) in _operations(spec).items():
        if "requestBody" not in op:
            continue
        content = _resolve(spec, op["requestBody"])["content"]
        assert list(content) == [FORM], op_id
        assert content[FORM]["schema"]["$ref"].startswith("#/components/schemas/"), op_id


def test_create_service_form_fields(spec: dict[str, Any]) -> None:
    schema = _form_schema(spec, "createMessagingService")
    props = schema["properties"]
    assert set(props) == SERVICE_FORM_FIELDS
    assert schema["required"] == ["FriendlyName"]

    assert props["InboundRequestUrl"]["format"] == "uri"
    for name in ("InboundMethod", "FallbackMethod"):
        assert _resolve(spec, props[name])["enum"] == ["GET", "POST"]
    assert _resolve(spec, props["ScanMessageContent"])["enum"] == ["inherit", "enable", "disable"]
    assert props["ValidityPeriod"]["type"] == "integer"
    assert (props["ValidityPeriod"]["minimum"], props["ValidityPeriod"]["maximum"]) == (1, 36000)
    for name in (
        "StickySender",
        "MmsConverter",
        "SmartEncoding",
        "FallbackToLongCode",
        "AreaCodeGeomatch",
        "SynchronousValidation",
        "UseInboundWebhookOnNumber",
    ):
        assert props[name]["type"] == "boolean", name

    validator = _schema_validator(spec, "CreateMessagingServiceRequest")
    assert validator.is_valid({"FriendlyName": "Reminders"})
    assert not validator.is_valid({})
    assert not validator.is_valid({"FriendlyName": "x", "InboundMethod": "PUT"})
    assert not validator.is_valid({"FriendlyName": "x", "ValidityPeriod": 0})
    assert not validator.is_valid({"FriendlyName": "x", "ValidityPeriod": 36001})


def test_update_service_has_same_fields_none_required(spec: dict[str, Any]) -> None:
    create = _form_schema(spec, "createMessagingService")
    update = _form_schema(spec, "updateMessagingService")
    assert set(update["properties"]) == set(create["properties"])
    assert not update.get("required")
    assert _schema_validator(spec, "UpdateMessagingServiceRequest").is_valid({})


def test_add_phone_number_body(spec: dict[str, Any]) -> None:
    schema = _form_schema(spec, "addPhoneNumber")
    assert schema["required"] == ["PhoneNumberSid"]
    assert set(schema["properties"]) == {"PhoneNumberSid"}
    field = _resolve(spec, schema["properties"]["PhoneNumberSid"])
    assert field["pattern"] == "^PN[0-9a-fA-F]{32}$"

    validator = _schema_validator(spec, "AddPhoneNumberRequest")
    assert validator.is_valid({"PhoneNumberSid": PN})
    assert not validator.is_valid({"PhoneNumberSid": MG})
    assert not validator.is_valid({"PhoneNumberSid": PN[:-1]})
    assert not validator.is_valid({})


# --------------------------------------------------------------------------
# response schemas
# --------------------------------------------------------------------------


def test_sid_patterns(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    service = schemas["MessagingService"]["properties"]
    number = schemas["PhoneNumber"]["properties"]
    assert _resolve(spec, service["sid"])["pattern"] == "^MG[0-9a-fA-F]{32}$"
    assert _resolve(spec, service["account_sid"])["pattern"] == "^AC[0-9a-fA-F]{32}$"
    assert _resolve(spec, number["sid"])["pattern"] == "^PN[0-9a-fA-F]{32}$"
    assert _resolve(spec, number["service_sid"])["pattern"] == "^MG[0-9a-fA-F]{32}$"
    assert _resolve(spec, number["account_sid"])["pattern"] == "^AC[0-9a-fA-F]{32}$"
    for prefix, sid in (("MG", MG), ("AC", AC), ("PN", PN)):
        assert re.fullmatch(f"{prefix}[0-9a-fA-F]{{32}}", sid)


def test_service_schema(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["MessagingService"]
    props = schema["properties"]
    assert {"sid", "account_sid", "friendly_name", "url"} <= set(schema["required"])
    # All keys are snake_case.
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in props)
    for key in ("inbound_request_url", "fallback_url", "status_callback"):
        assert props[key]["type"] == ["string", "null"], key
        assert props[key]["format"] == "uri", key
    for key in ("date_created", "date_updated"):
        assert props[key]["format"] == "date-time"
    links = _resolve(spec, props["links"])
    assert set(links["properties"]) == {
        "phone_numbers",
        "short_codes",
        "alpha_senders",
        "messages",
        "us_app_to_person",
        "us_app_to_person_usecases",
        "channel_senders",
        "destination_alpha_senders",
    }


def test_phone_number_schema(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["PhoneNumber"]
    props = schema["properties"]
    assert {"sid", "service_sid"} <= set(schema["required"])
    assert "links" not in props
    capabilities = props["capabilities"]
    assert capabilities["type"] == "array"
    assert set(_resolve(spec, capabilities["items"])["enum"]) >= {"Voice", "SMS", "MMS"}


@pytest.mark.parametrize(
    ("schema_name", "array_key"),
    [("MessagingServiceList", "services"), ("PhoneNumberList", "phone_numbers")],
)
def test_list_envelopes(spec: dict[str, Any], schema_name: str, array_key: str) -> None:
    schema = spec["components"]["schemas"][schema_name]
    assert set(schema["required"]) == {array_key, "meta"}
    assert schema["properties"][array_key]["type"] == "array"
    meta = _resolve(spec, schema["properties"]["meta"])
    assert set(meta["properties"]) == {
        "page",
        "page_size",
        "first_page_url",
        "previous_page_url",
        "next_page_url",
        "url",
        "key",
    }
    assert meta["properties"]["next_page_url"]["type"] == ["string", "null"]
    assert meta["properties"]["previous_page_url"]["type"] == ["string", "null"]
    assert schema["example"]["meta"]["key"] == array_key


@pytest.mark.parametrize(
    "schema_name",
    ["MessagingService", "PhoneNumber", "MessagingServiceList", "PhoneNumberList"],
)
def test_schema_examples_match_their_schemas(spec: dict[str, Any], schema_name: str) -> None:
    example = spec["components"]["schemas"][schema_name]["example"]
    _schema_validator(spec, schema_name).validate(example)


def test_service_example_links_live_under_its_url(spec: dict[str, Any]) -> None:
    example = spec["components"]["schemas"]["MessagingService"]["example"]
    assert example["url"] == f"https://messaging.twilio.com/v1/Services/{example['sid']}"
    for link in example["links"].values():
        assert link.startswith(example["url"] + "/")


# --------------------------------------------------------------------------
# errors and security
# --------------------------------------------------------------------------


def test_error_schema_has_twilio_shape(spec: dict[str, Any]) -> None:
    schema = spec["components"]["schemas"]["TwilioError"]
    assert set(schema["required"]) == {"code", "message", "more_info", "status"}
    props = schema["properties"]
    assert props["code"]["type"] == "integer"
    assert props["message"]["type"] == "string"
    assert props["more_info"]["type"] == "string"
    assert props["more_info"]["format"] == "uri"
    assert props["status"]["type"] == "integer"


@pytest.mark.parametrize(
    ("status", "codes"),
    [
        ("400", {20001}),
        ("401", {20003}),
        ("404", {20404}),
        ("409", {21710, 21712}),
        ("429", {20429}),
    ],
)
def test_error_responses(spec: dict[str, Any], status: str, codes: set[int]) -> None:
    ops = _operations(spec)
    referenced = [op["responses"][status] for (_, _, op) in ops.values() if status in op["responses"]]
    assert referenced, f"no operation declares {status}"
    for ref in referenced:
        assert ref["$ref"].startswith("#/components/responses/")
    response = _resolve(spec, referenced[0])
    media = response["content"][JSON]
    assert media["schema"] == {"$ref": "#/components/schemas/TwilioError"}
    examples = [media["example"]] if "example" in media else [e["value"] for e in media["examples"].values()]
    assert {e["code"] for e in examples} == codes
    validator = _schema_validator(spec, "TwilioError")
    for example in examples:
        validator.validate(example)
        assert example["status"] == int(status)
        assert example["more_info"] == f"https://www.twilio.com/docs/errors/{example['code']}"


def test_error_responses_are_attached_where_they_apply(spec: dict[str, Any]) -> None:
    for op_id, (_, path, op) in _operations(spec).items():
        responses = op["responses"]
        for status in ("400", "401", "429"):
            assert status in responses, (op_id, status)
        if "{ServiceSid}" in path:
            assert "404" in responses, op_id
    assert "409" in _operations(spec)["addPhoneNumber"][2]["responses"]


def test_security_scheme_is_global_http_basic(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["accountSid_authToken"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "basic"
    description = scheme["description"]
    for words in ("Account SID", "API Key SID", "Auth Token", "API Key Secret"):
        assert words in description
    assert spec["security"] == [{"accountSid_authToken": []}]
    for _, _, op in _operations(spec).values():
        assert op.get("security", spec["security"]) == spec["security"]
