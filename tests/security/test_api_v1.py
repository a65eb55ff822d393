"""The JSON API at /api/v1 (issue 17, part 3) through the app server's real routes on the
demo district: the OpenAPI document validates and every answer matches the schema it
documents; no token, no answer; a town token reads like a town official; writes (receipts,
task steps, CAP warnings) go through the pages' use-cases, are refused with problem details
naming the field and write nothing then, and appear in the audit trail under the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import func, select

from registry.kernel.clock import local, utcnow
from registry.kernel.enums import AuditAction, DepotLevel, RecordStatus, TaskStatus
from registry.kernel.models import (
    AuditEvent,
    Depot,
    EarlyWarning,
    Item,
    Locality,
    ResponseTask,
    StockLot,
)
from tests.helpers import api_token, bearer
from tests.response.test_warnings import cap
from web import state
from web.api_v1 import OPERATIONS, PREFIX

XINPU = "新浦街道"


def _read(model, *where, column=None):
    with state.factory()() as session:
        return session.scalars(select(column or model).where(*where)).all()


def _audit_count() -> int:
    with state.factory()() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def _depot(place: str) -> int:
    with state.factory()() as session:
        return session.scalar(
            select(Depot.id)
            .join(Locality, Locality.id == Depot.locality_id)
            .where(Locality.name == place, Depot.level == DepotLevel.TOWN,
                   Depot.status == RecordStatus.ACTIVE)
            .order_by(Depot.id)
        )  # fmt: skip


def _document(http) -> dict:
    response = http.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _answer_validator(document: dict, path: str, method: str, status: int):
    """A JSON Schema validator for the documented answer of one operation (its references
    point into the document's components, carried along in the root)."""
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    answer = content["application/json"]["schema"]
    return Draft202012Validator({**answer, "components": document["components"]})


def test_the_openapi_document_validates_and_names_every_operation(http):
    document = _document(http)
    validate(document)  # raises when the document is not valid OpenAPI 3.1
    assert document["servers"][0]["url"] == "http://registry.test/api/v1"
    for operation in OPERATIONS:
        described = document["paths"][operation.path][operation.method.lower()]
        assert described["operationId"] == operation.endpoint.__name__
        assert described["description"], operation.path
    receipt = document["paths"]["/depots/{depot_id}/receipts"]["post"]["requestBody"]
    body = receipt["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(document["components"]["schemas"][body]["required"]) == {
        "item_code", "quantity", "batch", "reason"
    }  # fmt: skip


def test_no_token_no_answer(http):
    for operation in OPERATIONS:
        path = PREFIX + operation.path.format(depot_id=1, campaign_id=1, event_id=1, task_id=1)
        for headers in ({}, bearer("hzr_not-a-token")):
            response = http.request(operation.method, path, headers=headers)
            assert response.status_code == 401, (path, headers)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["status"] == 401


def _ids(http, reader) -> dict[str, int]:
    events = http.get(f"{PREFIX}/events", headers=reader).json()
    campaigns = http.get(f"{PREFIX}/campaigns", headers=reader).json()
    live = next(e for e in events if e["state"] == "open")
    return {"event_id": live["id"], "campaign_id": campaigns[0]["id"]}


def test_every_read_answers_as_documented(http, reader):
    document, ids = _document(http), _ids(http, reader)
    for operation in (op for op in OPERATIONS if op.method == "GET"):
        response = http.get(PREFIX + operation.path.format(**ids), headers=reader)
        assert response.status_code == 200, (operation.path, response.text)
        validator = _answer_validator(document, operation.path, "get", 200)
        errors = list(validator.iter_errors(response.json()))
        assert not errors, (operation.path, errors[:3])
        assert response.json(), operation.path  # the demo has something of each


def test_stock_lines_carry_quota_and_expiry(http, reader):
    lines = http.get(f"{PREFIX}/stock", headers=reader, params={"below_quota": "true"}).json()
    assert lines and all(line["below_quota"] for line in lines)
    assert all(line["usable"] < line["minimum"] for line in lines)
    one = lines[0]
    same = http.get(
        f"{PREFIX}/stock", headers=reader,
        params={"depot_id": one["depot_id"], "item_code": one["item_code"]},
    ).json()  # fmt: skip
    assert [(s["depot_id"], s["item_code"], s["usable"]) for s in same] == [
        (one["depot_id"], one["item_code"], one["usable"])
    ]


def test_a_town_token_reads_like_a_town_official(http, reader):
    town = bearer(api_token("read", (XINPU,))[1])
    everything = http.get(f"{PREFIX}/stock", headers=reader).json()
    mine = http.get(f"{PREFIX}/stock", headers=town).json()
    assert {line["locality"] for line in everything} > {XINPU}
    assert mine and {line["locality"] for line in mine} == {XINPU}
    # the district's summary is the same for both
    board = http.get(f"{PREFIX}/readiness", headers=town).json()
    assert len(board["ranking"]) == len(
        http.get(f"{PREFIX}/readiness", headers=reader).json()["ranking"]
    )
    alerts = http.get(f"{PREFIX}/alerts", headers=town).json()
    assert {a["locality"] for a in alerts if a["locality"]} <= {XINPU}


def test_tasks_of_other_towns_stay_hidden_and_phones_masked_for_a_read_token(http, reader):
    event_id = _ids(http, reader)["event_id"]
    everything = http.get(f"{PREFIX}/events/{event_id}/tasks", headers=reader).json()
    towns = sorted({task["locality"] for task in everything})
    assert len(towns) > 1
    one_town = bearer(api_token("read", (towns[0],))[1])
    seen = http.get(f"{PREFIX}/events/{event_id}/tasks", headers=one_town).json()
    assert seen and {task["locality"] for task in seen} == {towns[0]}
    phones = [t["assignee_phone"] for t in everything if t["assignee_phone"]]
    assert phones and all("****" in phone for phone in phones)
    writer = bearer(api_token("write")[1])
    full = http.get(f"{PREFIX}/events/{event_id}/tasks", headers=writer).json()
    assert any(t["assignee_phone"] and "*" not in t["assignee_phone"] for t in full)


def test_bad_parameters_are_problems_naming_the_parameter(http, reader):
    for query, field in ((("depot", "1"),), "depot"), ((("below_quota", "maybe"),), "below_quota"):
        response = http.get(f"{PREFIX}/stock", headers=reader, params=dict(query))
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field
    response = http.get(f"{PREFIX}/rectifications", headers=reader, params={"status": "lost"})
    assert response.json()["field"] == "status"
    assert http.get(f"{PREFIX}/events/999999", headers=reader).status_code == 404
    assert http.get(f"{PREFIX}/campaigns/999999/coverage", headers=reader).status_code == 404
    assert http.get(f"{PREFIX}/events/999999/tasks", headers=reader).status_code == 404
    two = http.get(f"{PREFIX}/plans", headers=reader, params={"status": "current,draft"})
    assert two.status_code == 400 and two.json()["field"] == "status"
    body = {"item_code": "1010201", "quantity": 1, "batch": "B", "reason": "R"}
    nowhere = http.post(f"{PREFIX}/depots/999999/receipts", json=body,
                        headers=bearer(api_token("write")[1]))  # fmt: skip
    assert nowhere.status_code == 404 and nowhere.json()["field"] == "depot_id"
    task = http.post(f"{PREFIX}/tasks/999999/status", json={"status": "on_site", "version": 1},
                     headers=bearer(api_token("write")[1]))  # fmt: skip
    assert task.status_code == 404


# --- writes -------------------------------------------------------------------------------


def _item_code(name: str = "折叠床") -> str:
    return _read(Item, Item.name == name, column=Item.code)[0]


def _lot_quantity(depot_id: int, batch: str) -> int | None:
    found = _read(StockLot, StockLot.depot_id == depot_id, StockLot.batch == batch,
                  column=StockLot.quantity)  # fmt: skip
    return found[0] if found else None


def test_a_receipt_is_received_and_audited_under_the_token(http):
    name, plain = api_token("write")
    depot_id = _depot(XINPU)
    body = {"item_code": _item_code(), "quantity": 40, "batch": "API-2026-12",
            "reason": "采购到货（接口）", "expiry_date": None}  # fmt: skip
    response = http.post(f"{PREFIX}/depots/{depot_id}/receipts", json=body, headers=bearer(plain))
    assert response.status_code == 201, response.text
    assert response.json()["lot_quantity"] == 40 == _lot_quantity(depot_id, "API-2026-12")
    actions = _read(AuditEvent, AuditEvent.actor_name == f"token:{name}", column=AuditEvent.action)
    assert AuditAction.API_REQUEST.value in actions
    assert any(action.startswith("stock") for action in actions), actions


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": -3}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"item_code": "9999999"}, "item_code"),
        ({"batch": None}, "batch"),
        ({"expiry_date": "2026-02-30"}, "expiry_date"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_receipt_names_the_field_and_writes_nothing(http, writer, change, field):
    depot_id = _depot(XINPU)
    body = {"item_code": _item_code(), "quantity": 5, "batch": "API-BAD", "reason": "到货",
            **change}  # fmt: skip
    before = _audit_count()
    response = http.post(f"{PREFIX}/depots/{depot_id}/receipts", json=body, headers=writer)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert _lot_quantity(depot_id, "API-BAD") is None
    assert _audit_count() == before + 1  # the call itself, nothing else


def test_refusals_speak_the_language_asked_for(http, writer):
    url = f"{PREFIX}/depots/{_depot(XINPU)}/receipts"
    body = {"item_code": _item_code(), "quantity": 0, "batch": "B", "reason": "R"}
    chinese = http.post(url, json=body, headers=writer).json()["detail"]
    english = http.post(url, json=body, headers={**writer, "Accept-Language": "en"}).json()
    assert "数量" in chinese
    assert "Quantity" in english["detail"] and english["field"] == "quantity"


def test_read_only_and_other_town_tokens_cannot_write_stock(http, reader):
    body = {"item_code": _item_code(), "quantity": 5, "batch": "API-DENIED", "reason": "到货"}
    other = _depot("板浦镇")
    town_writer = bearer(api_token("write", (XINPU,))[1])
    for headers, depot_id in ((reader, _depot(XINPU)), (town_writer, other)):
        response = http.post(f"{PREFIX}/depots/{depot_id}/receipts", json=body, headers=headers)
        assert response.status_code == 403, response.text
        assert _lot_quantity(depot_id, "API-DENIED") is None
    mine = http.post(f"{PREFIX}/depots/{_depot(XINPU)}/receipts", json=body, headers=town_writer)
    assert mine.status_code == 201


def _open_task() -> ResponseTask:
    return _read(ResponseTask, ResponseTask.status == TaskStatus.PENDING)[0]


def test_a_task_moves_on_with_its_version_and_a_stale_one_is_refused(http, writer):
    task = _open_task()
    url = f"{PREFIX}/tasks/{task.id}/status"
    moved = http.post(url, json={"status": "on_site", "version": task.version, "note": "已到岗"},
                      headers=writer)  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "on_site" and moved.json()["version"] > task.version
    stale = http.post(url, json={"status": "handled", "version": task.version}, headers=writer)
    assert stale.status_code == 409
    assert _read(ResponseTask, ResponseTask.id == task.id)[0].status is TaskStatus.ON_SITE
    bad = http.post(url, json={"status": "flying", "version": moved.json()["version"]},
                    headers=writer)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    missing = http.post(url, json={"status": "handled"}, headers=writer)
    assert missing.status_code == 400 and missing.json()["field"] == "version"


def _warning(identifier: str) -> bytes:
    tomorrow = local(utcnow() + timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    expires = tomorrow.isoformat() + "+08:00"
    return cap(identifier=identifier, expires=expires)


def test_a_cap_warning_is_registered_by_an_office_token_only(http, writer, reader):
    cap_type = {"Content-Type": "application/cap+xml"}
    town = bearer(api_token("write", (XINPU,))[1])
    for headers in (reader, town):
        refused = http.post(f"{PREFIX}/warnings", content=_warning("API_1"),
                            headers={**headers, **cap_type})  # fmt: skip
        assert refused.status_code == 403
    assert not _read(EarlyWarning, EarlyWarning.identifier == "API_1")
    wrong_type = http.post(f"{PREFIX}/warnings", content=_warning("API_1"),
                           headers={**writer, "Content-Type": "text/plain"})  # fmt: skip
    assert wrong_type.status_code == 415
    sent = http.post(f"{PREFIX}/warnings", content=_warning("API_1"),
                     headers={**writer, **cap_type})  # fmt: skip
    assert sent.status_code == 201, sent.text
    assert sent.json()["level"] == "yellow" and sent.json()["identifier"] == "API_1"
    again = http.post(f"{PREFIX}/warnings", content=_warning("API_1"),
                      headers={**writer, **cap_type})  # fmt: skip
    assert again.status_code == 400 and again.json()["field"].startswith("cap")
