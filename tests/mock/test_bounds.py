"""The mock's state is bounded: each collection keeps at most ``max_items`` resources, the
oldest evicted first, and an evicted resource (and what sits below it) answers 404 as a deleted
one does; so a 10,000-run batch on the mock does not grow without end."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.errors import UsageError
from arazzo_runner.mock import MockServer, MockTransport, mock_description
from arazzo_runner.mock.stores import MAX_ITEMS, Stores

from .conftest import OPENAPI, TWILIO, TWILIO_BASE, WORKFLOWS, client_for
from .test_items_and_discriminator import BASE as PETS_BASE
from .test_items_and_discriminator import PETS

PN = "PN557ce644e5ab84fa21cc21112e22c485"
PROJECTS = OPENAPI / "projects-openapi.yml"
PROJECTS_BASE = "https://projects.example.com/api/v1"
FLAGSHIP = WORKFLOWS / "twilio-provision-messaging-service-add-number-workflow.yml"


def create_services(client: httpx.Client, count: int) -> list[str]:
    sids = []
    for number in range(count):
        response = client.post(f"{TWILIO_BASE}/Services", data={"FriendlyName": f"service {number}"})
        assert response.status_code == 201
        sids.append(response.json()["sid"])
    return sids


def listed_sids(client: httpx.Client) -> list[str]:
    response = client.get(f"{TWILIO_BASE}/Services", params={"PageSize": 50})
    assert response.status_code == 200
    return [service["sid"] for service in response.json()["services"]]


def test_a_collection_keeps_the_newest_max_items_and_evicted_ids_answer_404() -> None:
    with client_for(TWILIO, max_items=3) as client:
        sids = create_services(client, 5)
        assert len(set(sids)) == 5
        assert listed_sids(client) == sids[2:]
        for sid in sids[:2]:
            response = client.get(f"{TWILIO_BASE}/Services/{sid}")
            assert response.status_code == 404
            assert response.json()["message"] == f"The requested resource /Services/{sid} was not found"
            assert client.post(f"{TWILIO_BASE}/Services/{sid}", data={"FriendlyName": "x"}).status_code == 404
            assert client.delete(f"{TWILIO_BASE}/Services/{sid}").status_code == 404
        for number, sid in enumerate(sids[2:], start=2):
            fetched = client.get(f"{TWILIO_BASE}/Services/{sid}")
            assert fetched.status_code == 200
            assert fetched.json()["friendly_name"] == f"service {number}"


def test_oldest_means_first_created_an_update_does_not_keep_it() -> None:
    with client_for(TWILIO, max_items=2) as client:
        first, second = create_services(client, 2)
        assert client.post(f"{TWILIO_BASE}/Services/{first}", data={"FriendlyName": "renamed"}).status_code == 200
        (third,) = create_services(client, 1)
        assert client.get(f"{TWILIO_BASE}/Services/{first}").status_code == 404
        assert listed_sids(client) == [second, third]


def test_an_evicted_resource_takes_its_sub_resources_with_it() -> None:
    transport = MockTransport(TWILIO, max_items=2)
    with httpx.Client(transport=transport) as client:
        sids = []
        for _ in range(20):
            (sid,) = create_services(client, 1)
            added = client.post(f"{TWILIO_BASE}/Services/{sid}/PhoneNumbers", data={"PhoneNumberSid": PN})
            assert added.status_code == 201
            sids.append(sid)
        gone = client.get(f"{TWILIO_BASE}/Services/{sids[0]}/PhoneNumbers/{PN}")
        assert gone.status_code == 404
        assert gone.json()["message"] == f"The requested resource /Services/{sids[0]} was not found"
        kept = client.get(f"{TWILIO_BASE}/Services/{sids[-1]}/PhoneNumbers/{PN}")
        assert (kept.status_code, kept.json()["service_sid"]) == (200, sids[-1])
    # what is held: /Services and the PhoneNumbers of its two services, nothing of the other 18
    stores = transport.app._resources.stores
    assert sorted(stores.by_path) == sorted(
        ["/Services", f"/Services/{sids[-2]}/PhoneNumbers", f"/Services/{sids[-1]}/PhoneNumbers"]
    )


def test_the_default_bound_is_a_thousand() -> None:
    assert MAX_ITEMS == 1_000
    transport = MockTransport(TWILIO)
    assert transport.app.max_items == 1_000
    with httpx.Client(transport=transport) as client:
        create_services(client, 1)
    assert transport.app._resources.stores.by_path["/Services"].limit == 1_000


def test_an_evicted_or_deleted_integer_id_is_not_given_again() -> None:
    with client_for(PROJECTS, max_items=2) as client:
        ids = [client.post(f"{PROJECTS_BASE}/projects", json={"name": f"p{n}"}).json()["id"] for n in range(3)]
        assert ids == [1, 2, 3]
        assert client.get(f"{PROJECTS_BASE}/projects/1").status_code == 404  # evicted
        assert client.delete(f"{PROJECTS_BASE}/projects/3").status_code == 204
        fourth = client.post(f"{PROJECTS_BASE}/projects", json={"name": "p3"}).json()["id"]
        assert fourth == 4
        assert [project["id"] for project in client.get(f"{PROJECTS_BASE}/projects").json()] == [2, 4]


def test_a_seeded_collection_keeps_at_least_its_seed() -> None:
    with httpx.Client(transport=MockTransport(PETS, items=4, max_items=2)) as client:
        seeded = [pet["id"] for pet in client.get(f"{PETS_BASE}/pets?limit=10").json()["pets"]]
        assert len(seeded) == 4
        created = client.post(f"{PETS_BASE}/pets", json={"petType": "Dog", "name": "Rex"}).json()
        listed = [pet["id"] for pet in client.get(f"{PETS_BASE}/pets?limit=10").json()["pets"]]
        assert listed == [*seeded[1:], created["id"]]
        assert client.get(f"{PETS_BASE}/pets/{seeded[0]}").status_code == 404


def test_the_bound_reaches_every_mock_of_a_description_and_the_server() -> None:
    description = arazzo_runner.load(str(FLAGSHIP))
    setup = mock_description(description, max_items=7)
    assert [mock.app.max_items for mock in setup.mocks.values()] == [7]
    with MockServer.for_openapi(TWILIO, max_items=1) as server, httpx.Client() as client:
        first, second = (
            client.post(f"{server.url}/v1/Services", data={"FriendlyName": name}).json()["sid"] for name in "ab"
        )
        assert client.get(f"{server.url}/v1/Services/{first}").status_code == 404
        assert client.get(f"{server.url}/v1/Services/{second}").status_code == 200


def test_a_batch_of_runs_on_one_runner_keeps_the_mock_bounded() -> None:
    description = arazzo_runner.load(str(FLAGSHIP))
    setup = mock_description(description, max_items=5)
    runner = arazzo_runner.Runner(description, transport=setup.transport, servers=setup.servers)
    with runner:
        results = [runner.run(inputs={"friendlyName": f"c{n}", "phoneNumberSid": PN}) for n in range(12)]
    assert [result.status for result in results] == ["succeeded"] * 12
    assert [result.outputs["friendlyName"] for result in results] == [f"c{n}" for n in range(12)]
    stores = setup.mocks["messagingApi"].app._resources.stores
    assert len(stores.by_path["/Services"].items) == 5
    assert len(stores) == 6  # /Services and the PhoneNumbers of the five services it keeps


@pytest.mark.parametrize("max_items", [0, -1, True, 2.5, "10"])
def test_max_items_must_be_a_whole_number_of_one_or_more(max_items: Any) -> None:
    with pytest.raises(UsageError, match="mock max_items: a whole number of 1 or more"):
        MockTransport(TWILIO, max_items=max_items)


# ---------------------------------------------------------------------------- Stores itself


def test_stores_forget_the_ids_deleted_from_a_generated_collection_oldest_first() -> None:
    stores = Stores(max_items=2)
    store = stores.open("/things", "/things")
    for key in "abc":
        stores.put(store, "/things", key, {"id": key})
        stores.remove(store, "/things", key, remember=True)
    assert list(store.gone) == ["b", "c"]
    assert store.items == {}
    stores.put(store, "/things", "c", {"id": "c"})  # made again: no longer deleted
    assert list(store.gone) == ["b"]


def test_stores_of_one_template_are_bounded_too() -> None:
    # /accounts/{id}/things for ids whose account is never held: the oldest store goes
    stores = Stores(max_items=3)
    for number in range(10):
        path = f"/accounts/a{number}/things"
        stores.put(stores.open("/accounts/{}/things", path), path, "t", {"id": "t"})
    assert sorted(stores.by_path) == ["/accounts/a7/things", "/accounts/a8/things", "/accounts/a9/things"]


def test_dropping_a_store_drops_the_stores_below_its_items() -> None:
    stores = Stores(max_items=1)
    top = stores.open("/a", "/a")
    stores.put(top, "/a", "1", {})
    middle = stores.open("/a/{}/b", "/a/1/b")
    stores.put(middle, "/a/1/b", "2", {})
    stores.open("/a/{}/b/{}/c", "/a/1/b/2/c")
    assert len(stores) == 3
    stores.put(top, "/a", "9", {})  # evicts 1, and with it /a/1/b and /a/1/b/2/c
    assert list(stores.by_path) == ["/a"]
    assert stores._children == {}


def test_the_mock_accepts_the_newest_issued_tokens_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from arazzo_runner.mock import auth

    from .test_auth import BILLING, INVOICE, TOKEN_URL

    monkeypatch.setattr(auth, "KEPT_TOKENS", 2)
    with client_for(BILLING, require_auth=True) as client:
        tokens = []
        for _ in range(3):
            issued = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": "c"})
            assert issued.status_code == 200
            tokens.append(issued.json()["access_token"])
        invoices = "https://billing.example.com/v1/invoices"
        statuses = [
            client.post(invoices, json=INVOICE, headers={"Authorization": f"Bearer {token}"}).status_code
            for token in tokens
        ]
        assert statuses == [401, 201, 201]  # the oldest is forgotten, as if it had expired
