"""State as a REST client expects it: create, read, update, delete, 404 for unknown ids,
lists and paging, against the Twilio description (and its error body shape)."""

from __future__ import annotations

import re

import httpx

from .conftest import OPENAPI, TWILIO, TWILIO_BASE, client_for, response_errors

PN = "PN557ce644e5ab84fa21cc21112e22c485"
MG = re.compile(r"^MG[0-9a-fA-F]{32}$")


def create_service(client: httpx.Client, name: str = "Reminders", **fields: str) -> httpx.Response:
    return client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": name, **fields})


def test_post_creates_with_a_new_id_and_copied_fields(twilio: httpx.Client) -> None:
    response = create_service(twilio, "Appointment bot", InboundRequestUrl="https://hooks.example.com/in",
                              StickySender="false")  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert MG.match(body["sid"])
    assert body["friendly_name"] == "Appointment bot"  # FriendlyName -> friendly_name
    assert body["inbound_request_url"] == "https://hooks.example.com/in"
    assert body["sticky_sender"] is False  # a form value, typed by the response schema
    # the documented example's id is replaced everywhere, its URLs included
    assert body["url"] == f"{TWILIO_BASE}/Services/{body['sid']}"
    assert body["links"]["phone_numbers"] == f"{TWILIO_BASE}/Services/{body['sid']}/PhoneNumbers"
    assert response.headers["location"] == f"{TWILIO_BASE}/Services/{body['sid']}"
    assert response_errors(TWILIO, response) == []


def test_every_create_gets_its_own_id(twilio: httpx.Client) -> None:
    sids = {create_service(twilio, f"s{n}").json()["sid"] for n in range(5)}
    assert len(sids) == 5


def test_get_returns_what_post_stored(twilio: httpx.Client) -> None:
    created = create_service(twilio, "Stored").json()
    fetched = twilio.get(f"{TWILIO_BASE}/Services/{created['sid']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert response_errors(TWILIO, fetched) == []


def test_post_to_the_item_updates_it(twilio: httpx.Client) -> None:
    created = create_service(twilio, "Before").json()
    updated = twilio.post(f"{TWILIO_BASE}/Services/{created['sid']}", data={"FriendlyName": "After"})
    assert updated.status_code == 200
    assert updated.json()["friendly_name"] == "After"
    assert updated.json()["sid"] == created["sid"]
    assert updated.json()["date_updated"] > created["date_updated"]
    assert twilio.get(f"{TWILIO_BASE}/Services/{created['sid']}").json()["friendly_name"] == "After"
    assert response_errors(TWILIO, updated) == []


def test_delete_removes_it(twilio: httpx.Client) -> None:
    sid = create_service(twilio).json()["sid"]
    deleted = twilio.delete(f"{TWILIO_BASE}/Services/{sid}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert twilio.get(f"{TWILIO_BASE}/Services/{sid}").status_code == 404
    assert twilio.delete(f"{TWILIO_BASE}/Services/{sid}").status_code == 404


def test_unknown_id_answers_404_with_the_twilio_error_body(twilio: httpx.Client) -> None:
    unknown = "MG" + "0" * 32
    response = twilio.get(f"{TWILIO_BASE}/Services/{unknown}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "code": 20404,
        "message": f"The requested resource /Services/{unknown} was not found",  # without /v1
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    assert response_errors(TWILIO, response) == []


def test_sub_resources_need_their_parent(twilio: httpx.Client) -> None:
    unknown = "MG" + "1" * 32
    response = twilio.post(f"{TWILIO_BASE}/Services/{unknown}/PhoneNumbers", data={"PhoneNumberSid": PN})
    assert response.status_code == 404
    assert response.json()["message"] == f"The requested resource /Services/{unknown} was not found"


def test_add_number_keeps_the_posted_sid_and_its_service(twilio: httpx.Client) -> None:
    sid = create_service(twilio).json()["sid"]
    added = twilio.post(f"{TWILIO_BASE}/Services/{sid}/PhoneNumbers", data={"PhoneNumberSid": PN})
    assert added.status_code == 201  # 201 and 200 are documented: a POST to a collection gets 201
    body = added.json()
    assert (body["sid"], body["service_sid"]) == (PN, sid)  # PhoneNumberSid -> sid, ServiceSid -> service_sid
    assert body["url"] == f"{TWILIO_BASE}/Services/{sid}/PhoneNumbers/{PN}"
    assert twilio.get(f"{TWILIO_BASE}/Services/{sid}/PhoneNumbers/{PN}").json() == body
    assert response_errors(TWILIO, added) == []


def test_collections_are_kept_per_parent(twilio: httpx.Client) -> None:
    first, second = (create_service(twilio, name).json()["sid"] for name in ("a", "b"))
    twilio.post(f"{TWILIO_BASE}/Services/{first}/PhoneNumbers", data={"PhoneNumberSid": PN})
    assert twilio.get(f"{TWILIO_BASE}/Services/{second}/PhoneNumbers/{PN}").status_code == 404
    listed = twilio.get(f"{TWILIO_BASE}/Services/{second}/PhoneNumbers").json()
    assert listed["phone_numbers"] == []
    assert len(twilio.get(f"{TWILIO_BASE}/Services/{first}/PhoneNumbers").json()["phone_numbers"]) == 1


def test_list_pages_with_twilio_meta(twilio: httpx.Client) -> None:
    sids = [create_service(twilio, f"svc {n}").json()["sid"] for n in range(5)]
    page = twilio.get(f"{TWILIO_BASE}/Services", params={"PageSize": 2})
    assert page.status_code == 200
    assert response_errors(TWILIO, page) == []
    seen = []
    body = page.json()
    while True:
        seen += [service["sid"] for service in body["services"]]
        meta = body["meta"]
        assert meta["key"] == "services" and meta["page_size"] == 2
        if meta["next_page_url"] is None:
            break
        assert meta["next_page_url"].startswith(f"{TWILIO_BASE}/Services?")
        body = twilio.get(meta["next_page_url"]).json()
    assert seen == sids
    assert body["meta"]["page"] == 2
    assert body["meta"]["previous_page_url"] is not None


def test_a_page_token_the_mock_did_not_issue_is_refused(twilio: httpx.Client) -> None:
    response = twilio.get(f"{TWILIO_BASE}/Services", params={"PageSize": 2, "PageToken": "PAnope"})
    assert response.status_code == 400
    assert "PageToken" in response.json()["message"]


def test_integer_ids_count_up_and_path_parameters_fill_the_resource() -> None:
    with client_for(OPENAPI / "projects-openapi.yml") as client:
        base = "https://projects.example.com/api/v1"
        project = client.post(f"{base}/projects", json={"name": "P"}).json()
        assert project["id"] == 1
        tasks = [client.post(f"{base}/projects/1/tasks", json={"title": t}).json() for t in ("a", "b")]
        assert [(t["id"], t["projectId"], t["title"]) for t in tasks] == [(1, 1, "a"), (2, 1, "b")]
        patched = client.patch(f"{base}/projects/1/tasks/2", json={"done": True})
        assert patched.status_code == 200 and patched.json()["done"] is True
        assert [t["id"] for t in client.get(f"{base}/projects/1/tasks").json()] == [1, 2]
        assert client.get(f"{base}/projects/2/tasks").status_code == 404  # no project 2


def test_seeded_collection_pages_with_a_token() -> None:
    with client_for(OPENAPI / "contacts-openapi.yml") as client:
        url = "https://api.contacts.example.com/contacts"
        first = client.get(url, params={"pageSize": 2}).json()
        assert len(first["contacts"]) == 2 and first["nextPageToken"] == first["contacts"][-1]["id"]
        second = client.get(url, params={"pageSize": 2, "pageToken": first["nextPageToken"]}).json()
        third = client.get(url, params={"pageSize": 2, "pageToken": second["nextPageToken"]}).json()
        assert (len(second["contacts"]), len(third["contacts"]), third["nextPageToken"]) == (2, 1, None)
        everything = client.get(url).json()  # pageSize defaults to 20
        assert len(everything["contacts"]) == 5 and everything["nextPageToken"] is None
        contact = everything["contacts"][3]
        assert client.get(f"{url}/{contact['id']}").json() == contact
