"""The simulator's fault switches, tested at the HTTP level.

Each switch must do what it says, deterministically by seed, so that the fault matrix that
runs the tap through them (added with the tap's retries) exercises what it claims to.
"""

from __future__ import annotations

import email.utils
from collections import Counter

import pytest
import requests

from pixieset_simulator import Simulator
from pixieset_simulator.drift import Drift
from pixieset_simulator.faults import Faults

# -- the simulator's fault switches, at the HTTP level ------------------------------------


def _get(sim: Simulator, path: str, **kwargs) -> requests.Response:
    return requests.get(
        sim.base_url("studio") + path, headers={"Cookie": sim.cookie("studio")}, timeout=5, **kwargs
    )


def test_no_faults_by_default(fresh_sim):
    assert _get(fresh_sim, "/clients/").status_code == 200
    assert not fresh_sim.faults.injected


def test_a_rate_limited_answer_carries_retry_after_in_seconds(fresh_sim):
    fresh_sim.faults = Faults(rate_limit_rate=1.0, retry_after="7")
    response = _get(fresh_sim, "/clients/")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


def test_a_rate_limited_answer_can_carry_an_http_date(fresh_sim):
    fresh_sim.faults = Faults(rate_limit_rate=1.0, retry_after="http-date+30")
    header = _get(fresh_sim, "/clients/").headers["Retry-After"]
    assert email.utils.parsedate_to_datetime(header).tzinfo is not None


def test_server_errors_are_the_documented_5xx(fresh_sim):
    fresh_sim.faults = Faults(error_rate=1.0, seed=5)
    assert {_get(fresh_sim, "/clients/").status_code for _ in range(30)} <= {500, 502, 503, 504}


def test_a_truncated_body_is_not_json(fresh_sim):
    fresh_sim.faults = Faults(truncate_rate=1.0)
    response = _get(fresh_sim, "/clients/")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_cut_connection_drops_mid_body(fresh_sim):
    fresh_sim.faults = Faults(cut_rate=1.0)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _get(fresh_sim, "/clients/")


def test_a_disconnect_answers_nothing(fresh_sim):
    fresh_sim.faults = Faults(disconnect_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        _get(fresh_sim, "/clients/")


def test_a_stall_outlasts_the_client_timeout(fresh_sim):
    fresh_sim.faults = Faults(stall_rate=1.0, stall_seconds=1.0, limits={"stall": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        _get(fresh_sim, "/clients/", params={"timeout_probe": 1}) if False else requests.get(
            fresh_sim.base_url("studio") + "/clients/",
            headers={"Cookie": fresh_sim.cookie("studio")},
            timeout=0.3,
        )
    assert _get(fresh_sim, "/clients/").status_code == 200  # the limit is spent


def test_limits_cap_each_kind_of_fault(fresh_sim):
    fresh_sim.faults = Faults(error_rate=1.0, limits={"error": 2})
    statuses = [_get(fresh_sim, "/clients/").status_code for _ in range(5)]
    assert statuses.count(200) == 3
    assert fresh_sim.faults.injected == Counter({"error": 2})


def test_faults_are_deterministic_by_seed(fresh_sim):
    def outcomes(seed: int) -> list[int]:
        fresh_sim.faults = Faults(seed=seed, error_rate=0.3, rate_limit_rate=0.2)
        return [_get(fresh_sim, "/clients/").status_code for _ in range(40)]

    assert outcomes(11) == outcomes(11)
    assert outcomes(11) != outcomes(12)


def test_drift_makes_a_naive_pager_lose_a_record_that_still_exists(fresh_sim):
    """Reading each page once, as a naive client does, misses a record while drift deletes:
    this is the fault the tap's re-reads defend against."""
    before = {c["id"] for c in fresh_sim.dataset.tables["clients"]}
    fresh_sim.faults = Faults(drift=Drift(budgets={"/clients/": (0, 2)}))
    seen: list[str] = []
    for page in range(1, 5):
        body = _get(
            fresh_sim, "/clients/", params={"page": page, "per_page": 10, "types": "all"}
        ).json()
        seen += [item["id"] for item in body["data"]]
    after = {c["id"] for c in fresh_sim.dataset.tables["clients"]}
    assert len(fresh_sim.faults.drift.deleted["/clients/"]) == 2
    assert (before & after) - set(seen), (
        "no surviving record was missed: the drift is not doing its job"
    )


def test_drift_inserts_at_the_head(fresh_sim):
    fresh_sim.faults = Faults(drift=Drift(budgets={"/invoices/": (1, 0)}))
    params = {"per_page": 10, "timeframe_filter": "all_time"}
    first = _get(fresh_sim, "/invoices/", params={**params, "page": 1}).json()["data"]
    second = _get(fresh_sim, "/invoices/", params={**params, "page": 2}).json()["data"]
    (inserted,) = fresh_sim.faults.drift.inserted["/invoices/"]
    assert second[0]["id"] == first[-1]["id"], (
        "an insert at the head pushes the last item onto the next page"
    )
    assert (
        _get(fresh_sim, "/invoices/", params={**params, "page": 1}).json()["data"][0]["id"]
        == inserted
    )
