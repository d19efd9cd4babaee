"""The fault matrix: each fault alone, then all together, against the simulator.

Every case asserts, for every stream of the tap:

* every record of the dataset arrives (the dataset as it is after the sync: records the
  drift inserted mid-sync included, records it deleted not required);
* nothing is invented (each key existed before or after the sync) and nothing is emitted
  twice;
* the retries stay within the stated bound: every fault the simulator served costs exactly
  one retry, so ``retries == faults served``, and faults served stay below twice their
  expected number (``2 x rate x requests + 5``).

The simulator's own fault switches are tested first, at the HTTP level, so that the
matrix is known to exercise what it claims to.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections import Counter

import pytest
import requests
from harness import catalog_selecting, parse_messages, run_cli, run_tap

from pixieset_simulator import Simulator
from pixieset_simulator.drift import Drift
from pixieset_simulator.faults import FAULT_CASES, RETRIED_KINDS, Faults, fault_case
from tap_pixieset.tap import TapPixieset

#: Small pages, so that every list crosses several page boundaries; tiny backoff; enough
#: retries that no request runs out of them by chance. The timeout is short enough that an
#: injected stall (4 s) is cut, and long enough that a busy machine never cuts a plain
#: request: each timeout must be a fault the simulator served.
MATRIX_CONFIG = {
    "page_size": 10,
    "max_retries": 10,
    "request_timeout": 3,
    "backoff_base_seconds": 0.01,
}


def stream_keys() -> dict[str, tuple[str, ...]]:
    tap = TapPixieset(
        config={"studio_cookie": "a=bcdefgh"}, validate_config=False, setup_mapper=False
    )
    return {name: tuple(stream.primary_keys or ()) for name, stream in sorted(tap.streams.items())}


#: Some streams are off by default (costly, or behind a probe): the matrix syncs them all.
EVERYTHING = {"enable_quotes_probe": True}


def run_everything(config: dict, **kwargs) -> object:
    return run_tap({**EVERYTHING, **config}, streams=set(stream_keys()), **kwargs)


def snapshot(sim: Simulator) -> dict[str, set[tuple[str, ...]]]:
    return {stream: sim.dataset.expected_keys(stream) for stream in stream_keys()}


def assert_complete(result, before, after) -> None:
    """Every record of the final dataset arrived once; every record emitted existed."""
    for stream, primary_keys in stream_keys().items():
        emitted = result.keys(stream, primary_keys)
        twice = [key for key, n in Counter(emitted).items() if n > 1]
        assert not twice, f"{stream}: emitted twice: {twice[:3]}"
        missing = after[stream] - set(emitted)
        assert not missing, (
            f"{stream}: {len(missing)} record(s) lost, such as {sorted(missing)[:3]}"
        )
        invented = set(emitted) - before[stream] - after[stream]
        assert not invented, f"{stream}: records that never existed: {sorted(invented)[:3]}"
        assert after[stream], f"the dataset has no {stream} rows, so this proves nothing"


def retry_bound(faults: Faults, requests_served: int) -> int:
    rate = faults.error_rate + faults.rate_limit_rate + faults.truncate_rate + faults.cut_rate
    rate += faults.disconnect_rate + faults.stall_rate
    return int(2 * rate * requests_served) + 5


# -- the simulator's fault switches, at the HTTP level ------------------------------------


def _get(sim: Simulator, path: str, timeout: float = 5, **kwargs) -> requests.Response:
    return requests.get(
        sim.base_url("studio") + path,
        headers={"Cookie": sim.cookie("studio")},
        timeout=timeout,
        **kwargs,
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
        _get(fresh_sim, "/clients/", timeout=0.3)
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


# -- the matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(FAULT_CASES))
def test_every_record_arrives_through(case):
    with Simulator() as sim:
        before = snapshot(sim)
        sim.faults = fault_case(case)
        config = sim.tap_config(**MATRIX_CONFIG)
        result = run_everything(config)  # completes: a failed sync raises here
        after = snapshot(sim)
        assert_complete(result, before, after)

        retries = sum(result.tap.retry_counts.values())
        assert retries == sim.faults.retried, "every fault served must cost exactly one retry"
        assert retries <= retry_bound(sim.faults, len(sim.requests))
        assert set(result.tap.retry_reasons) <= {
            "HTTP 429",
            "HTTP 500",
            "HTTP 502",
            "HTTP 503",
            "HTTP 504",
            "bad body",
            "connection dropped",
            "connection error",
            "timeout",
        }
        # The case really did what its name says.
        drift = sim.faults.drift
        assert (
            sim.faults.latency
            or sim.faults.retried > 0
            or (drift is not None and drift.changes > 0)
        )
        assert drift is None or drift.changes > 0
        assert config["studio_cookie"] not in result.stderr


def test_records_deleted_after_listing_are_skipped_with_a_warning():
    with Simulator() as sim:
        sim.faults = fault_case("deleted after listing")
        result = run_everything(sim.tap_config(**MATRIX_CONFIG))
        listed = sim.faults.drift.deleted_after_listing
        assert len(listed["/clients/"]) == len(listed["/invoices/"]) == 2
        deleted = [i for ids in listed.values() for i in ids]
        skipped = [
            line for line in result.stderr.splitlines() if "Skipping" in line and "404" in line
        ]
        for record_id in deleted:
            assert any(record_id in line for line in skipped), (
                f"no warning for the deleted {record_id}"
            )
        # The deleted records were listed (so emitted), but their details were not.
        emitted_invoices = {r["id"] for r in result.records["invoices"]}
        detailed = {r["id"] for r in result.records["invoice_details"]}
        gone = set(listed["/invoices/"])
        assert gone and gone <= emitted_invoices and not gone & detailed


def test_all_faults_together_through_the_cli_exit_zero(tmp_path):
    with Simulator() as sim:
        before = snapshot(sim)
        sim.faults = fault_case("all together")
        config = sim.tap_config(**EVERYTHING, **MATRIX_CONFIG)
        catalog = tmp_path / "catalog.json"
        catalog.write_text(json.dumps(catalog_selecting(config, set(stream_keys()))))
        result = run_cli(["--catalog", str(catalog)], config=config, tmp_path=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert_complete(parse_messages(result.stdout), before, snapshot(sim))
        retry_lines = [line for line in result.stderr.splitlines() if "Retrying " in line]
        assert len(retry_lines) == sim.faults.retried > 0
        # Each stream sums up its retries at the end. (Not "== served": with child prefetching,
        # a fetch nobody will take can still be retrying after the summaries were written.)
        per_stream = re.findall(r"Stream '\w+': .*?, (\d+) retried request", result.stderr)
        assert per_stream and 0 < sum(map(int, per_stream)) <= sim.faults.retried
        assert {kind for kind in RETRIED_KINDS if sim.faults.injected[kind]} == set(RETRIED_KINDS)
        assert all(
            json.loads(line)["type"] in {"SCHEMA", "RECORD", "STATE"}
            for line in result.stdout.splitlines()
        )
