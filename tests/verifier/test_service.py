"""The verification service below HTTP: time budget, report cache, trust, settings, CLI wiring."""
from __future__ import annotations

import argparse
import json
import threading
import time
from datetime import timedelta

import anyio
import pytest

from badges.trust import TrustedIssuer, TrustRegistry
from badges.verification import CheckId
from tests.support import NOW
from tests.verifier.factory import ISSUER, World
from verifier import service as service_module
from verifier.budget import BudgetExceeded, run_with_budget
from verifier.config import VerifierConfig, VerifierSettings, load_trust_file, trust_from_data
from verifier.service import InputError, InputTooLarge, UnsafeInputUrl, VerifierService, verify

pytestmark = pytest.mark.anyio


async def test_budget_interrupts_cpu_bound_work():
    progress = {"n": 0, "stopped": False}

    def spin() -> None:
        try:
            while True:
                progress["n"] += 1
        finally:
            progress["stopped"] = True

    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        await run_with_budget(spin, budget=0.2)
    assert time.monotonic() - started < 1.0
    for _ in range(100):
        if progress["stopped"]:
            break
        await anyio.sleep(0.01)
    assert progress["stopped"], "the worker thread kept running after the budget"
    seen = progress["n"]
    await anyio.sleep(0.05)
    assert progress["n"] == seen


async def test_budget_passes_results_and_errors_through():
    assert await run_with_budget(lambda: 42, budget=1) == 42
    with pytest.raises(ZeroDivisionError):
        await run_with_budget(lambda: 1 / 0, budget=1)
    # the worker threads are still usable afterwards
    assert await run_with_budget(lambda: threading.current_thread().name, budget=1)


async def test_report_cache_never_outlives_valid_until():
    world = World()
    clock = {"now": NOW}
    badge = world.badge(issued_at=NOW - timedelta(days=1), valid_until=NOW + timedelta(seconds=30))
    service = VerifierService(world.config(report_cache_ttl=300, clock=lambda: clock["now"]))
    first = await service.verify(badge)
    assert first.report.verified and not first.cached
    assert (await service.verify(badge)).cached
    clock["now"] = NOW + timedelta(seconds=31)
    late = await service.verify(badge)
    assert not late.cached and not late.report.verified
    assert late.report.failed(CheckId.VALIDITY)


async def test_trust_source_adds_the_issuers_own_schools():
    world = World()

    async def schools() -> TrustRegistry:
        return TrustRegistry([TrustedIssuer(ISSUER, "Lincoln High School", "District school")])

    service = VerifierService(world.config(trust_source=schools))
    report = (await service.verify(world.badge())).report
    trust = report.check(CheckId.TRUST)
    assert trust.outcome == "pass" and "District school" in trust.message


async def test_module_level_verify_closes_its_http_client(monkeypatch):
    world = World()
    made: list[VerifierService] = []

    class Recorded(VerifierService):
        def __init__(self, config=None) -> None:
            super().__init__(config)
            made.append(self)

    monkeypatch.setattr(service_module, "VerifierService", Recorded)
    report = await verify(world.badge(), config=world.config())
    assert report.verified
    [service] = made
    assert service.fetcher._client.is_closed
    # a failing verification closes it too
    with pytest.raises(InputError):
        await verify(42, config=world.config())
    assert len(made) == 2 and made[1].fetcher._client.is_closed
    # the bad twin: a service kept by its owner stays open until the owner closes it
    kept = VerifierService(world.config())
    await kept.verify(world.badge())
    assert not kept.fetcher._client.is_closed
    kept.close()
    assert kept.fetcher._client.is_closed


@pytest.mark.parametrize("raw,error", [
    ("http://lincoln.example/badge", UnsafeInputUrl),
    (b"x" * 2_000_001, InputTooLarge),
    ("x" * 2_000_001, InputTooLarge),
    (42, InputError),
])
async def test_unusable_requests_raise_input_errors(raw, error):
    world = World()
    with pytest.raises(error):
        await VerifierService(world.config()).verify(raw)


def test_settings_from_env(tmp_path):
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({ISSUER: {"name": "Lincoln High School", "label": "District school"}}))
    settings = VerifierSettings.from_env({"VERIFIER_PORT": "9001", "VERIFIER_TRUST": str(trust),
                                          "VERIFIER_DOCUMENTS": str(tmp_path), "VERIFIER_ALLOW_PRIVATE_NETWORKS": "1"})
    assert settings.port == 9001 and settings.allow_private_networks
    config = settings.to_config()
    assert config.trust[ISSUER].label == "District school" and config.documents_dir == tmp_path
    assert VerifierSettings.from_env({}).allow_private_networks is False
    with pytest.raises(ValueError):
        VerifierSettings.from_env({"VERIFIER_PORT": "eighty"})


def test_trust_file_formats(tmp_path):
    assert trust_from_data({"issuers": [{"id": ISSUER, "name": "Lincoln"}]})[ISSUER].name == "Lincoln"
    assert trust_from_data({ISSUER: "Lincoln"})[ISSUER].name == "Lincoln"
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError, match="bad.json"):
        load_trust_file(bad)
    bad.write_text(json.dumps({"issuers": [{"name": "no id"}]}))
    with pytest.raises(ValueError, match="no issuer id"):
        load_trust_file(bad)


def test_config_validation(tmp_path):
    with pytest.raises(ValueError):
        VerifierConfig(time_budget=0)
    with pytest.raises(ValueError):
        VerifierConfig(documents_dir=tmp_path / "missing")


def test_cli_registers_verifier_serve(tmp_path):
    from verifier.cli import register

    parser = argparse.ArgumentParser(prog="badges")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["verifier", "serve", "--port", "9002", "--documents", str(tmp_path),
                              "--allow-private-networks"])
    assert args.port == 9002 and args.documents == tmp_path and args.allow_private_networks
    assert callable(args.func)
    bad = parser.parse_args(["verifier", "serve", "--documents", str(tmp_path / "missing")])
    assert bad.func(bad) == 2


def test_create_app_reads_settings_only_when_called(monkeypatch, tmp_path):
    from verifier.app import create_app

    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({ISSUER: {"name": "Lincoln High School"}}))
    monkeypatch.setenv("VERIFIER_TRUST", str(trust))
    app = create_app()
    assert app.openapi_schema.info.title == "Open Badges verifier"


def test_entry_point_is_declared():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="badges.commands")}
    assert names.get("verifier") == "verifier.cli:register"


async def test_transcript_key_documents_are_prefetched_together():
    from tests.verifier.factory import OTHER

    world = World()
    mine = world.badge()
    theirs = world.sign(world.unsigned_badge(), signer=world.other_signer)
    theirs["issuer"] = dict(theirs["issuer"])  # signed as Lincoln but with other.example's key: fails, still fetched
    clr = world.clr([mine, theirs])
    service = VerifierService(world.config())
    report = (await service.verify(clr)).report
    assert [n.verified for n in report.nested] == [True, False]
    did_documents = [u for u in world.web.requests if u.endswith("did.json")]
    assert sorted(did_documents) == ["https://lincoln.example/.well-known/did.json",
                                     "https://other.example/.well-known/did.json"]
    assert OTHER in json.dumps(clr)


async def test_identical_requests_in_flight_share_one_verification():
    world = World()
    service = VerifierService(world.config(report_cache_ttl=60))
    badge = json.dumps(world.badge()).encode()
    results = []

    async def one() -> None:
        results.append(await service.verify(badge))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(one)
    assert all(r.report.verified for r in results)
    assert sum(not r.cached for r in results) == 1
    assert world.web.requests.count("https://lincoln.example/status/revocation") == 1


def test_badges_verify_gains_live_resolution(tmp_path, reference, capsys):
    from badges import cli as badges_cli
    from verifier.fetch import LiveDocumentResolver

    parser, warnings = badges_cli.build_parser()
    assert not warnings
    args = parser.parse_args(["verify", "x.json"])
    assert args.online is True
    resolver, _fetch = args.fetchers(args.documents, args.online)
    assert any(isinstance(r, LiveDocumentResolver) for r in resolver._resolvers)
    args = parser.parse_args(["verify", "--documents", str(tmp_path), "x.json"])
    resolver, _fetch = args.fetchers(args.documents, args.online)
    assert not any(isinstance(r, LiveDocumentResolver) for r in resolver._resolvers)
    args = parser.parse_args(["verify", "--documents", str(tmp_path), "--online", "x.json"])
    resolver, _fetch = args.fetchers(args.documents, args.online)
    assert any(isinstance(r, LiveDocumentResolver) for r in resolver._resolvers)
    args = parser.parse_args(["verify", "--offline", "x.json"])
    resolver, _fetch = args.fetchers(args.documents, args.online)
    assert not any(isinstance(r, LiveDocumentResolver) for r in resolver._resolvers)
    # end to end, offline: a did:key example needs no network at all
    example = reference / "examples" / "ob3-didkey-signed.json"
    assert badges_cli.main(["verify", "--offline", "--now", "2026-01-15T10:00:00Z", str(example)]) == 0
