"""The safe fetcher: SSRF refusals, limits, redirects, caching, did:web URLs, the offline bundle."""
from __future__ import annotations

import ipaddress
import json

import httpcore
import httpx
import pytest

from badges.errors import ResolutionError
from tests.verifier.factory import ISSUER, FakeWeb, World, fake_dns, write_documents
from verifier.fetch import (
    Fetcher,
    FetchError,
    FetchLimits,
    LiveDocumentResolver,
    OfflineBundle,
    PinnedBackend,
    UnsafeUrl,
    check_address,
    cli_fetcher,
    did_web_url,
)


def fetcher(web: FakeWeb, **kwargs) -> Fetcher:
    kwargs.setdefault("resolve_host", fake_dns)
    return Fetcher(transport=web.transport(), **kwargs)


@pytest.fixture
def web() -> FakeWeb:
    web = FakeWeb()
    web.json("https://hosted.example/doc", {"id": "https://hosted.example/doc", "ok": True})
    return web


def test_fetches_json_over_https(web):
    assert fetcher(web).get_json("https://hosted.example/doc") == {"id": "https://hosted.example/doc", "ok": True}


@pytest.mark.parametrize("url", [
    "http://hosted.example/doc",           # not https
    "ftp://hosted.example/doc",
    "https://127.0.0.1/doc",               # loopback literal
    "https://10.0.0.8/doc",                # private literal
    "https://169.254.169.254/latest/meta-data/",  # link-local (cloud metadata)
    "https://[::1]/doc",
    "https://[::ffff:127.0.0.1]/doc",      # IPv4-mapped loopback
    "https://224.0.0.1/doc",               # multicast
    "https://0.0.0.0/doc",
    "https://240.0.0.1/doc",               # reserved
    "https://100.64.0.1/doc",              # shared address space
    "https://internal.example/doc",        # resolves to 10.1.2.3
    "https://metadata.example/doc",        # resolves to 169.254.169.254
    "https://mixed.example/doc",           # one public, one private answer
    "https://v6loop.example/doc",
    "https://localhost/doc",
    "https://user:pw@hosted.example/doc",
])
def test_refuses_unsafe_urls_before_any_request(web, url):
    f = fetcher(web)
    with pytest.raises(UnsafeUrl):
        f.get_json(url)
    assert web.requests == []


def test_private_networks_allowed_only_when_configured(web):
    web.json("https://internal.example/doc", {"id": "x"})
    assert fetcher(web, allow_private_networks=True).get_json("https://internal.example/doc") == {"id": "x"}
    with pytest.raises(UnsafeUrl):
        fetcher(web).get_json("https://internal.example/doc")


def test_unresolvable_host_is_a_fetch_error(web):
    with pytest.raises(FetchError, match="could not be resolved"):
        fetcher(web).get_json("https://nowhere.example/doc")


def test_redirect_to_a_private_address_is_refused(web):
    web.redirect("https://hosted.example/r", "https://169.254.169.254/latest/meta-data/")
    with pytest.raises(UnsafeUrl):
        fetcher(web).get_json("https://hosted.example/r")
    assert web.requests == ["https://hosted.example/r"]


def test_redirect_to_http_is_refused(web):
    web.redirect("https://hosted.example/r", "http://hosted.example/doc")
    with pytest.raises(UnsafeUrl, match="only https"):
        fetcher(web).get_json("https://hosted.example/r")


def test_redirects_are_followed_and_capped(web):
    web.redirect("https://hosted.example/r1", "/r2")
    web.redirect("https://hosted.example/r2", "https://hosted.example/doc")
    assert fetcher(web).get_json("https://hosted.example/r1")["ok"] is True
    for n in range(5):
        web.redirect(f"https://hosted.example/c{n}", f"https://hosted.example/c{n + 1}")
    web.json("https://hosted.example/c5", {"id": "end"})
    with pytest.raises(FetchError, match="redirected more than 3 times"):
        fetcher(web).get_json("https://hosted.example/c0")
    assert len([u for u in web.requests if "/c" in u]) == 4


def test_redirect_loop(web):
    web.redirect("https://hosted.example/a", "https://hosted.example/b")
    web.redirect("https://hosted.example/b", "https://hosted.example/a")
    with pytest.raises(FetchError, match="loop"):
        fetcher(web).get_json("https://hosted.example/a")


@pytest.mark.parametrize("declare", [True, False])
def test_oversized_body_is_cut_off(web, declare):
    web.huge("https://hosted.example/huge", 5_000_000, declare=declare)
    with pytest.raises(FetchError, match="larger than"):
        fetcher(web, limits=FetchLimits(max_bytes=100_000)).get_json("https://hosted.example/huge")


def test_slow_body_past_the_deadline(web):
    web.slow("https://slow.example/doc", chunks=30, delay=0.05)
    f = fetcher(web, limits=FetchLimits(total_timeout=0.3))
    with pytest.raises(FetchError, match="did not finish"):
        f.get_json("https://slow.example/doc")


def test_timeouts_become_fetch_errors(web):
    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    web.routes["https://hosted.example/t"] = timeout
    with pytest.raises(FetchError, match="in time"):
        fetcher(web).get_json("https://hosted.example/t")


@pytest.mark.parametrize("body,content_type", [
    (b"not json", "application/json"),
    (b"[" * 100 + b"]" * 100, "application/json"),
    (b'"a string"', "application/json"),
    (b"<html></html>", "text/html"),
])
def test_bad_documents(web, body, content_type):
    web.raw("https://hosted.example/bad", body, content_type)
    with pytest.raises(FetchError):
        fetcher(web).get_json("https://hosted.example/bad")


def test_http_errors(web):
    web.status("https://hosted.example/down", 503)
    with pytest.raises(FetchError, match="503"):
        fetcher(web).fetch_document("https://hosted.example/down")
    with pytest.raises(ResolutionError):  # what the engine catches
        fetcher(web).fetch_document("https://hosted.example/missing")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cache_honours_max_age_up_to_the_cap(web):
    clock = Clock()
    web.json("https://hosted.example/short", {"id": "s"}, headers={"cache-control": "max-age=10"})
    web.json("https://hosted.example/long", {"id": "l"}, headers={"cache-control": "public, max-age=86400"})
    web.json("https://hosted.example/nostore", {"id": "n"}, headers={"cache-control": "no-store"})
    f = fetcher(web, clock=clock, limits=FetchLimits(default_ttl=300, max_ttl=300))
    for url in ("short", "long", "nostore", "doc"):
        f.get_json(f"https://hosted.example/{url}")
        f.get_json(f"https://hosted.example/{url}")
    assert web.requests.count("https://hosted.example/nostore") == 2
    assert web.requests.count("https://hosted.example/short") == 1
    clock.now += 11
    f.get_json("https://hosted.example/short")
    f.get_json("https://hosted.example/long")
    assert web.requests.count("https://hosted.example/short") == 2
    assert web.requests.count("https://hosted.example/long") == 1
    clock.now += 300  # past the 300 s cap although the server said a day
    f.get_json("https://hosted.example/long")
    f.get_json("https://hosted.example/doc")
    assert web.requests.count("https://hosted.example/long") == 2
    assert web.requests.count("https://hosted.example/doc") == 2


def test_cache_keeps_the_most_recently_used_documents(web):
    for name in ("a", "b", "c"):
        web.json(f"https://hosted.example/{name}", {"id": name})
    f = fetcher(web, limits=FetchLimits(cache_entries=2))
    f.get_json("https://hosted.example/a")
    f.get_json("https://hosted.example/b")
    f.get_json("https://hosted.example/a")  # a is now the most recently used
    f.get_json("https://hosted.example/c")  # full: b, the least recently used, goes
    f.get_json("https://hosted.example/a")
    assert web.requests.count("https://hosted.example/a") == 1
    f.get_json("https://hosted.example/b")  # the bad twin: the evicted one is fetched again
    assert web.requests.count("https://hosted.example/b") == 2


def test_cached_documents_are_copies(web):
    f = fetcher(web)
    f.get_json("https://hosted.example/doc")["ok"] = False
    assert f.get_json("https://hosted.example/doc")["ok"] is True


@pytest.mark.parametrize("did,url", [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:example.com:issuers:1", "https://example.com/issuers/1/did.json"),
    ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
    ("did:web:example.com%3A8443:u:alice", "https://example.com:8443/u/alice/did.json"),
])
def test_did_web_urls(did, url):
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:web:127.0.0.1", "did:web:10.0.0.1%3A443", "did:key:z6Mk", "did:web:"])
def test_did_web_refuses_ip_addresses_and_other_methods(did):
    with pytest.raises(ResolutionError):
        did_web_url(did)


def test_live_resolver_checks_the_did_document_id(world: World):
    web = world.web
    resolver = LiveDocumentResolver(fetcher(web))
    method = resolver.resolve(f"{ISSUER}#key-1")
    assert method.controller == ISSUER and "assertionMethod" in method.relationships
    wrong = dict(world.did_documents[ISSUER], id="did:web:evil.example")
    web.json("https://lincoln.example/.well-known/did.json", wrong)
    with pytest.raises(ResolutionError, match="has id"):
        LiveDocumentResolver(fetcher(web)).resolve(f"{ISSUER}#key-1")


def test_offline_bundle_indexes_documents_by_id(tmp_path, world: World):
    directory = write_documents(tmp_path / "docs", [world.did_documents[ISSUER], *world.status_lists.values()])
    (directory / "notes.txt").write_text("ignored")
    bundle = OfflineBundle(directory)
    assert len(bundle) == 3
    assert bundle.resolve(f"{ISSUER}#key-1").source == "document"
    resolver, fetch_document = cli_fetcher(directory, online=False)
    assert resolver.resolve(f"{ISSUER}#key-1").controller == ISSUER
    status_url = next(iter(world.status_lists))
    assert fetch_document(status_url)["id"] == status_url
    with pytest.raises(ResolutionError, match="fetching is off"):
        fetch_document("https://lincoln.example/elsewhere")
    (directory / "bad.json").write_text("{nope")
    with pytest.raises(ValueError, match="bad.json"):
        OfflineBundle(directory)


def test_cli_fetcher_goes_online_through_the_safe_fetcher(world: World):
    resolver, fetch_document = cli_fetcher(None, online=True, transport=world.web.transport())
    # Real DNS is never consulted for refused literals.
    with pytest.raises(ResolutionError):
        fetch_document("https://127.0.0.1/status")
    assert resolver.resolve("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").source == "did:key"


def test_pinned_backend_refuses_private_answers_at_connect_time():
    # DNS rebinding: the pre-check saw a public address, the connect-time lookup says loopback.
    f = Fetcher(resolve_host=lambda host, port: ["93.184.216.34"])
    f.check_url("https://rebind.example/x")
    backend = PinnedBackend(allow_private=False, resolve_host=lambda host, port: ["127.0.0.1"])
    with pytest.raises(httpcore.ConnectError, match="non-public"):
        backend.connect_tcp("rebind.example", 443)
    backend = PinnedBackend(allow_private=False, resolve_host=lambda host, port: [])
    with pytest.raises(httpcore.ConnectError, match="no address"):
        backend.connect_tcp("rebind.example", 443)
    with pytest.raises(httpcore.ConnectError):
        backend.connect_unix_socket("/var/run/docker.sock")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.1.1", "172.16.0.1", "192.168.0.1", "169.254.1.1", "::1",
                                     "fe80::1", "fc00::1", "ff02::1", "0.0.0.0", "::", "::ffff:10.0.0.1"])
def test_check_address_refuses_special_ranges(address):
    with pytest.raises(UnsafeUrl):
        check_address(address, allow_private=False)
    check_address(address, allow_private=True)


def test_check_address_accepts_public():
    check_address("93.184.216.34", allow_private=False)
    check_address("2606:2800:220:1:248:1893:25c8:1946", allow_private=False)


def test_documents_dir_must_exist(tmp_path):
    with pytest.raises(ValueError):
        OfflineBundle(tmp_path / "missing")


def test_json_body_round_trip(web):
    web.raw("https://hosted.example/ld", json.dumps({"id": "a"}).encode(), "application/ld+json; charset=utf-8")
    assert fetcher(web).fetch_document("https://hosted.example/ld") == {"id": "a"}


# IPv6 transition addresses carry an IPv4 destination; a public-looking IPv6 address must not
# smuggle a connection to loopback or the intranet (issue 10). Each bad address has a good twin.
def _teredo(server: str, client: str) -> str:
    """RFC 4380: 2001:0000:<server>:<flags>:<port>:<client XOR ffffffff>."""
    s = int(ipaddress.IPv4Address(server))
    c = int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return str(ipaddress.IPv6Address((0x20010000 << 96) | (s << 64) | c))


@pytest.mark.parametrize("bad, good", [
    ("2002:7f00:1::1", "2002:5db8:d822::1"),                                 # 6to4: 127.0.0.1 / 93.184.216.34
    ("2002:c0a8:101::1", "2002:808:808::1"),                                 # 6to4: 192.168.1.1 / 8.8.8.8
    (_teredo("93.184.216.34", "10.0.0.1"), _teredo("93.184.216.34", "8.8.8.8")),  # Teredo client
    (_teredo("192.168.0.1", "8.8.8.8"), _teredo("93.184.216.34", "8.8.8.8")),     # Teredo server
    ("64:ff9b::7f00:1", "64:ff9b::5db8:d822"),                               # NAT64: 127.0.0.1 / public
    ("64:ff9b::a9fe:a9fe", "64:ff9b::808:808"),                              # NAT64: cloud metadata
    ("::ffff:169.254.169.254", "::ffff:93.184.216.34"),                       # IPv4-mapped
    ("::7f00:1", "93.184.216.34"),                                           # IPv4-compatible (deprecated)
    ("::5db8:d822", "2606:2800:220:1:248:1893:25c8:1946"),                  # IPv4-compatible: always refused
    ("64:ff9b:1::5db8:d822", "64:ff9b::5db8:d822"),                           # RFC 8215 local-use NAT64
])
def test_check_address_decodes_embedded_ipv4(bad, good):
    with pytest.raises(UnsafeUrl, match="non-public"):
        check_address(bad, allow_private=False)
    check_address(good, allow_private=False)
    check_address(bad, allow_private=True)


def test_teredo_helper_matches_the_rfc_example():
    # RFC 4380 §4's worked example: server 65.54.227.120, client 192.0.2.45.
    address = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert address.teredo == (ipaddress.IPv4Address("65.54.227.120"), ipaddress.IPv4Address("192.0.2.45"))
    built = ipaddress.IPv6Address(_teredo("65.54.227.120", "192.0.2.45"))
    assert built.teredo == address.teredo


def test_check_url_refuses_a_host_that_resolves_to_a_6to4_loopback():
    bad = Fetcher(resolve_host=lambda host, port: ["2002:7f00:1::1"])
    with pytest.raises(UnsafeUrl, match="127.0.0.1"):
        bad.check_url("https://tunnel.example/did.json")
    Fetcher(resolve_host=lambda host, port: ["2002:5db8:d822::1"]).check_url("https://tunnel.example/did.json")
    backend = PinnedBackend(allow_private=False, resolve_host=lambda host, port: ["64:ff9b::a00:1"])
    with pytest.raises(httpcore.ConnectError, match="10.0.0.1"):
        backend.connect_tcp("rebind.example", 443)


def test_a_host_without_addresses_is_a_fetch_error_without_the_ip_parse_chained(web):
    # The check runs inside `except ValueError` (the host is not an IP literal); the ValueError
    # is how we know that, not the cause of the failure, so it is not chained (ruff B904).
    with pytest.raises(FetchError, match="has no address") as caught:
        fetcher(web, resolve_host=lambda host, port: []).get_json("https://empty.example/doc")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_resolving_host_is_fetched(web):
    web.json("https://empty.example/doc", {"ok": True})
    found = fetcher(web, resolve_host=lambda host, port: ["93.184.216.34"]).get_json("https://empty.example/doc")
    assert found == {"ok": True}
