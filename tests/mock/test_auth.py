"""Credentials (only with require_auth) and the OAuth2 token endpoint."""

from __future__ import annotations

import base64

import httpx

from .conftest import OPENAPI, TWILIO, TWILIO_BASE, client_for

BILLING = OPENAPI / "billing-invoices-openapi.yml"
TOKEN_URL = "https://auth.billing.example.com/oauth2/token"
INVOICE = {"customerId": "cus_12345678", "currency": "EUR", "lines": [{"description": "x", "amount": 10}]}


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_credentials_are_not_checked_by_default(twilio: httpx.Client) -> None:
    assert twilio.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "x"}).status_code == 201


def test_require_auth_answers_401_without_credentials() -> None:
    with client_for(TWILIO, require_auth=True) as client:
        response = client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "x"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Basic realm="Twilio API"'  # the documented header
        body = response.json()
        assert (body["code"], body["status"]) == (20003, 401)
        assert body["message"] == "Authentication required: send credentials for accountSid_authToken"
        wrong = client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "x"},
                            headers={"Authorization": "Bearer abc"})  # fmt: skip
        assert wrong.status_code == 401
        good = client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": "x"},
                           headers={"Authorization": basic("AC123", "token")})  # fmt: skip
        assert good.status_code == 201


def test_require_auth_api_key_header() -> None:
    with client_for(OPENAPI / "inventory-reservations-openapi.yml", require_auth=True) as client:
        url = "https://inventory.example.com/v2/reservations"
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"X-API-Key": "k"}).status_code == 200


def test_token_endpoint_issues_tokens_for_client_credentials() -> None:
    with client_for(BILLING, require_auth=True) as client:
        response = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": "app",
                                                "client_secret": "s", "scope": "invoices:write"})  # fmt: skip
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        token = response.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
        assert token["scope"] == "invoices:write"
        assert token["access_token"].startswith("mock-")
        # basic client authentication works too; the scope defaults to the flow's scopes
        other = client.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                            headers={"Authorization": basic("app", "s")}).json()  # fmt: skip
        assert other["scope"] == "invoices:read invoices:write"
        assert other["access_token"] != token["access_token"]
        # the token opens the API; a token the mock did not issue does not
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert client.post("https://billing.example.com/v1/invoices", json=INVOICE, headers=bearer).status_code == 201
        forged = {"Authorization": "Bearer forged"}
        assert client.post("https://billing.example.com/v1/invoices", json=INVOICE, headers=forged).status_code == 401


def test_token_endpoint_errors_follow_rfc_6749() -> None:
    with client_for(BILLING) as client:
        missing = client.post(TOKEN_URL, data={"client_id": "app"})
        assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
        grant = client.post(TOKEN_URL, data={"grant_type": "authorization_code", "client_id": "app"})
        assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
        anonymous = client.post(TOKEN_URL, data={"grant_type": "client_credentials"})
        assert (anonymous.status_code, anonymous.json()["error"]) == (401, "invalid_client")
        assert anonymous.headers["www-authenticate"].startswith("Basic")


def test_issued_tokens_are_deterministic() -> None:
    def token() -> str:
        with client_for(BILLING, seed=3) as client:
            data = {"grant_type": "client_credentials", "client_id": "app"}
            return str(client.post(TOKEN_URL, data=data).json()["access_token"])

    assert token() == token()
