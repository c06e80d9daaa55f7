"""Fetching what a credential points at (DID documents, controller documents, status lists,
hosted credentials) without becoming an SSRF proxy.

Every URL is checked before a request and again at connect time:

* https only, no user info, default or explicit port;
* the host must resolve, and EVERY address it resolves to must be public (no private,
  loopback, link-local, multicast, reserved, unspecified or shared addresses; for IPv4-mapped,
  NAT64, 6to4 and Teredo addresses, the IPv4 addresses they carry) unless
  ``allow_private_networks`` (tests, a closed intranet);
* redirects are followed by hand, at most ``max_redirects`` hops, each hop re-checked;
* a response is streamed against a byte cap and an overall deadline, so a slow or huge body
  cannot hold a worker;
* good JSON responses are cached for ``default_ttl`` seconds, or for ``max-age`` up to ``max_ttl``.

The real transport connects to the very address that was checked (``PinnedBackend``), so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot reach an
internal host. Tests inject an ``httpx.MockTransport`` and a fake ``resolve_host``.

Failures raise ``FetchError``, a ``badges.errors.ResolutionError``: the engine then fails the
status check or tries the next key resolver, which is exactly what an unreachable document means.
"""
from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from cachetools import LRUCache

from badges.bundle import Bundle, BundleError, read_bundle
from badges.errors import BadgeError, ResolutionError
from badges.json_types import JsonObject
from badges.signing import (
    ChainResolver,
    DidKeyResolver,
    DocumentResolver,
    FragmentKeyResolver,
    KeyResolver,
    VerificationMethod,
)
from badges.signing import did_web_url as _did_web_url
from badges.verification_parse import json_depth

__all__ = [
    "FetchError",
    "FetchLimits",
    "Fetcher",
    "LiveDocumentResolver",
    "OfflineBundle",
    "PinnedBackend",
    "check_address",
    "bundle_source",
    "cli_fetcher",
    "did_web_url",
    "resolver_chain",
]

HostResolver = Callable[[str, int], list[str]]
JSON_TYPES = ("json", "ld+json", "jwt", "text/plain")
USER_AGENT = "openbadges-school-verifier/0.1 (+https://openbadges.school)"


class FetchError(ResolutionError):
    """A remote document could not be fetched safely."""

    problem_type = "fetch-error"


class UnsafeUrl(FetchError):
    problem_type = "unsafe-url"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    connect_timeout: float = 3.0
    read_timeout: float = 3.0
    total_timeout: float = 4.0  # the whole fetch, redirects included
    max_bytes: int = 1_000_000
    max_redirects: int = 3
    max_depth: int = 64
    default_ttl: float = 300.0
    max_ttl: float = 300.0
    cache_entries: int = 1024


def did_web_url(did: str) -> str:
    """did:web → https URL of its did.json (DIDWEB "Read"; IP hosts refused, port percent-decoded)."""
    return _did_web_url(did)


def _default_resolve_host(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"the host {host!r} could not be resolved ({exc})", host=host) from None
    return sorted({str(info[4][0]) for info in infos})


# IPv6 prefixes that carry an IPv4 address the packet really ends up at (RFC 6052 NAT64, RFC 3056
# 6to4, RFC 4380 Teredo): the embedded address is what must be public, whatever Python's
# ``ipaddress`` thinks of the IPv6 address itself (its answer for these changed between versions).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: site-local translators, never public
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291 §2.5.5.1); also :: and ::1


def _destinations(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address
                                                                              | ipaddress.IPv6Address]:
    """The addresses a connection to ``ip`` reaches: the IPv4 address embedded in an
    IPv4-mapped, NAT64, 6to4 or Teredo address (both Teredo's server and its client), else ``ip``."""
    if isinstance(ip, ipaddress.IPv4Address):
        return [ip]
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return [server, client]
    return [ip]


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and (ip in _NAT64_LOCAL or ip in _IPV4_COMPATIBLE):
        return False
    return not (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified)


def check_address(address: str, *, allow_private: bool) -> None:
    """Refuse anything that is not a global unicast address (RFC 6890 special-purpose ranges),
    including a public-looking IPv6 address that tunnels or translates to a non-public IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        raise UnsafeUrl(f"{address!r} is not an IP address", address=address) from None
    if allow_private:
        return
    for destination in _destinations(ip):
        if not _public(destination):
            shown = str(ip) if destination == ip else f"{ip} (which reaches {destination})"
            raise UnsafeUrl(f"refusing to connect to the non-public address {shown}", address=str(ip))


class PinnedBackend(httpcore.NetworkBackend):
    """Resolve, check and connect to the checked address, so DNS cannot change in between."""

    def __init__(self, *, allow_private: bool, resolve_host: HostResolver = _default_resolve_host) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private
        self._resolve_host = resolve_host

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = self._resolve_host(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                check_address(address, allow_private=self._allow_private)
            except UnsafeUrl as exc:
                raise httpcore.ConnectError(exc.message) from None
        return self._inner.connect_tcp(addresses[0], port, timeout=timeout, local_address=local_address,
                                       socket_options=socket_options)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _real_transport(*, allow_private: bool, resolve_host: HostResolver) -> httpx.BaseTransport:
    transport = httpx.HTTPTransport(retries=0)
    # httpx does not expose httpcore's network_backend; swapping the pool is the supported seam.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=20, max_keepalive_connections=10,
        keepalive_expiry=30.0, http1=True, http2=False, retries=0,
        network_backend=PinnedBackend(allow_private=allow_private, resolve_host=resolve_host))
    return transport


def _max_age(cache_control: str | None) -> float | None:
    """Seconds to keep a response: None = default TTL, 0 = do not cache."""
    if not cache_control:
        return None
    directives = {}
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        directives[name.strip().lower()] = value.strip().strip('"')
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for name in ("s-maxage", "max-age"):
        if name in directives:
            try:
                return max(0.0, float(int(directives[name])))
            except ValueError:
                return 0.0
    return None


class Fetcher:
    """A safe, caching GET for JSON documents; thread-safe (the verifier calls it from workers)."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None, allow_private_networks: bool = False,
                 limits: FetchLimits = FetchLimits(), resolve_host: HostResolver | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allow_private = allow_private_networks
        self.limits = limits
        self._resolve_host = resolve_host or _default_resolve_host
        self._clock = clock
        if transport is None:
            transport = _real_transport(allow_private=allow_private_networks, resolve_host=self._resolve_host)
        timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
        self._client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                                    headers={"User-Agent": USER_AGENT,
                                             "Accept": "application/ld+json, application/json;q=0.9, */*;q=0.1"})
        # (expires, value) by URL, least recently used first out; expiry on this fetcher's clock
        self._cache: LRUCache[str, tuple[float, Any]] = LRUCache(limits.cache_entries)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # ---- URL checks -----------------------------------------------------------------------

    def check_url(self, url: str) -> None:
        """Scheme, host and every resolved address; raises ``UnsafeUrl``."""
        if not isinstance(url, str) or len(url) > 2048:
            raise UnsafeUrl("a URL must be text of at most 2048 characters", url=str(url)[:100])
        try:
            parts = urlsplit(url)
            port = parts.port or 443
        except ValueError:
            raise UnsafeUrl(f"{url!r} is not a valid URL", url=url) from None
        if parts.scheme != "https":
            raise UnsafeUrl(f"only https URLs are fetched, not {parts.scheme or 'relative'}: {url}", url=url)
        if parts.username is not None or parts.password is not None:
            raise UnsafeUrl("URLs with credentials are not fetched", url=url)
        host = parts.hostname
        if not host:
            raise UnsafeUrl(f"{url!r} names no host", url=url)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            local_name = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
            if local_name and not self.allow_private:
                raise UnsafeUrl(f"refusing to fetch from the local host name {host!r}", url=url) from None
            addresses = self._resolve_host(host, port)
            if not addresses:
                raise FetchError(f"the host {host!r} has no address", url=url) from None
        else:
            addresses = [host]
        for address in addresses:
            try:
                check_address(address, allow_private=self.allow_private)
            except UnsafeUrl as exc:
                raise UnsafeUrl(f"{exc.message} (for {url})", url=url, address=address) from None

    # ---- fetching -------------------------------------------------------------------------

    def get_json(self, url: str) -> Any:
        """The JSON value at ``url`` (object or array), from the cache when fresh."""
        url = url.partition("#")[0]
        now = self._clock()
        with self._lock:
            hit = self._cache.get(url)
            if hit is not None and hit[0] > now:
                return _fresh(hit[1])
        value, ttl = self._fetch_json(url)
        if ttl > 0:
            with self._lock:
                self._cache[url] = (self._clock() + ttl, value)
        return _fresh(value)

    def get_bytes(self, url: str, *, max_bytes: int | None = None, accept: str | None = None) -> tuple[bytes, str]:
        """Raw body and content type (a hosted badge may be an image, a JWS or a transcript PDF,
        hence its own size cap); not cached. ``accept`` replaces the ``Accept`` header (a link a
        person pasted may be a page that serves its credential by content negotiation)."""
        body, content_type, _ = self._fetch(url.partition("#")[0], max_bytes=max_bytes, accept=accept)
        return body, content_type

    def _fetch_json(self, url: str) -> tuple[Any, float]:
        body, content_type, ttl = self._fetch(url)
        if content_type and not any(t in content_type for t in JSON_TYPES):
            raise FetchError(f"{url} returned {content_type}, not JSON", url=url)
        try:
            value = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise FetchError(f"{url} did not return valid JSON", url=url) from None
        if not isinstance(value, (dict, list)):
            raise FetchError(f"{url} did not return a JSON object", url=url)
        if json_depth(value) > self.limits.max_depth:
            raise FetchError(f"{url} returned JSON nested too deeply", url=url)
        return value, ttl

    def _fetch(self, url: str, *, max_bytes: int | None = None, accept: str | None = None) -> tuple[bytes, str, float]:
        limits = self.limits
        deadline = time.monotonic() + limits.total_timeout
        seen: set[str] = set()
        current = url
        for _hop in range(limits.max_redirects + 1):
            self.check_url(current)
            if current in seen:
                raise FetchError(f"redirect loop at {current}", url=url)
            seen.add(current)
            try:
                headers = {"Accept": accept} if accept else None
                with self._client.stream("GET", current, headers=headers) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{current} redirected without a Location", url=url)
                        current = urljoin(current, location)
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"{current} answered HTTP {response.status_code}", url=url,
                                         status=response.status_code)
                    body = self._read_capped(response, current, deadline, max_bytes or limits.max_bytes)
                    ttl = _max_age(response.headers.get("cache-control"))
                    ttl = limits.default_ttl if ttl is None else min(ttl, limits.max_ttl)
                    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    return body, content_type, ttl
            except BadgeError:
                raise
            except httpx.TimeoutException:
                raise FetchError(f"{current} did not answer in time", url=url) from None
            except (httpx.HTTPError, httpcore.ConnectError, OSError) as exc:
                raise FetchError(f"{current} could not be fetched ({type(exc).__name__}: {exc})", url=url) from None
        raise FetchError(f"{url} redirected more than {limits.max_redirects} times", url=url)

    def _read_capped(self, response: httpx.Response, url: str, deadline: float, cap: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url} is larger than {cap:,} bytes", url=url, size=int(declared))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"{url} is larger than {cap:,} bytes", url=url)
            if time.monotonic() > deadline:
                raise FetchError(f"{url} did not finish in {self.limits.total_timeout:g} s", url=url)
            chunks.append(chunk)
        if time.monotonic() > deadline:
            raise FetchError(f"{url} did not finish in {self.limits.total_timeout:g} s", url=url)
        return b"".join(chunks)

    # ---- callables for the engine ----------------------------------------------------------

    def fetch_document(self, url: str) -> JsonObject:
        """``badges.verification``'s ``fetch_document``: a JSON object or ``ResolutionError``."""
        value = self.get_json(url)
        if not isinstance(value, dict):
            raise FetchError(f"{url} did not return a JSON object", url=url)
        return value


def _fresh(value: Any) -> Any:
    # Callers may hand documents to code that annotates them; the cache keeps its own copy.
    return json.loads(json.dumps(value))


class OfflineBundle(DocumentResolver):
    """A folder tree of JSON documents (DID documents, controller documents, status lists,
    revocation lists) indexed by ``id``: the same offline bundle as ``badges verify --documents``
    (``badges.bundle.read_bundle``)."""

    def __init__(self, directory: str | Path | None = None, documents: Iterable[JsonObject] = ()) -> None:
        docs: list[JsonObject] = list(documents)
        self.created = None  # the bundle's date (manifest.json): its status is as of then
        self.bundle: Bundle | None = None
        if directory is not None:
            try:
                self.bundle = read_bundle(directory)  # the whole tree, as `badges verify --documents`
            except BundleError as exc:
                raise ValueError(f"documents directory {exc.message}") from None
            self.created = self.bundle.created
            docs.extend(self.bundle.documents.values())
        self.documents: dict[str, JsonObject] = {}
        for doc in docs:
            if isinstance(doc.get("id"), str):
                self.documents.setdefault(doc["id"], doc)
        super().__init__(self.documents)

    def get(self, url: str) -> JsonObject | None:
        doc = self.documents.get(url) or self.documents.get(url.partition("#")[0])
        return _fresh(doc) if doc is not None else None

    def __len__(self) -> int:
        return len(self.documents)


class LiveDocumentResolver:
    """did:web and https controller documents fetched live (through the safe ``Fetcher``)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def _document(self, url: str) -> JsonObject:
        if url.startswith("did:web:"):
            doc = self._fetcher.fetch_document(did_web_url(url))
            if doc.get("id") != url:
                raise ResolutionError(f"the DID document for {url} has id {doc.get('id')!r}", id=url)
            return doc
        if url.startswith("https://"):
            return self._fetcher.fetch_document(url)
        raise ResolutionError(f"{url!r} is neither a did:web nor an https URL", id=url)

    def resolve(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or not vm_id.startswith(("did:web:", "https://")):
            raise ResolutionError(f"not a did:web or https verification method: {vm_id!r}", id=vm_id)
        base = vm_id.partition("#")[0]
        docs = {base: self._document(base)}
        standalone = docs[base]
        controller = standalone.get("controller")
        if base == vm_id and isinstance(controller, str) and controller != base:
            # A key published at its own URL: its controller's document says what it may be used for.
            with contextlib.suppress(ResolutionError):
                docs[controller] = self._document(controller)
        return DocumentResolver(docs).resolve(vm_id)


class _BundleFetch:
    """``fetch_document`` that prefers the offline bundle, then the network (if any)."""

    def __init__(self, bundle: OfflineBundle | None, fetcher: Fetcher | None) -> None:
        self._bundle, self._fetcher = bundle, fetcher

    def __call__(self, url: str) -> JsonObject:
        if self._bundle is not None:
            doc = self._bundle.get(url)
            if doc is not None:
                return doc
        if self._fetcher is None:
            raise ResolutionError(f"{url} is not in the offline documents and fetching is off", url=url)
        return self._fetcher.fetch_document(url)


def resolver_chain(*, bundle: OfflineBundle | None, fetcher: Fetcher | None) -> KeyResolver:
    """did:key → offline bundle → live did:web/https → the ``<controller>#z6Mk…`` fallback (warns)."""
    chain: list[KeyResolver] = [DidKeyResolver()]
    if bundle is not None:
        chain.append(bundle)
    if fetcher is not None:
        chain.append(LiveDocumentResolver(fetcher))
    chain.append(FragmentKeyResolver())
    return ChainResolver(*chain)


def document_fetcher(*, bundle: OfflineBundle | None, fetcher: Fetcher | None) -> Callable[[str], JsonObject]:
    return _BundleFetch(bundle, fetcher)


def cli_fetcher(documents_dir: str | Path | None = None, online: bool = True, *,
                transport: httpx.BaseTransport | None = None, allow_private_networks: bool = False,
                ) -> tuple[KeyResolver, Callable[[str], JsonObject]]:
    """(resolver, fetch_document) for ``badges verify``: offline bundle first, live when ``online``."""
    bundle = OfflineBundle(documents_dir) if documents_dir is not None else None
    fetcher = Fetcher(transport=transport, allow_private_networks=allow_private_networks) if online else None
    return resolver_chain(bundle=bundle, fetcher=fetcher), document_fetcher(bundle=bundle, fetcher=fetcher)


def bundle_source(fetcher: Fetcher) -> Callable[[Any, list[str]], tuple[dict[str, bytes], dict[str, str]]]:
    """A document source for ``badges bundle`` (``badges.cli.BundleSource``): each did:web DID
    document and https document fetched through the safe ``fetcher`` (https only, public
    addresses only), kept as the bytes served; problems are reasons, never exceptions."""

    def source(_args: Any, refs: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
        found: dict[str, bytes] = {}
        problems: dict[str, str] = {}
        for ref in refs:
            try:
                url = did_web_url(ref) if ref.startswith("did:web:") else ref
                if not url.startswith("https://"):
                    raise UnsafeUrl(f"only https is fetched, not {url}", url=url)
                body, _ = fetcher.get_bytes(url)
                try:
                    document = json.loads(body.decode("utf-8-sig"))
                except (UnicodeDecodeError, ValueError, RecursionError):
                    raise FetchError(f"{url} did not return JSON", url=url) from None
                if not isinstance(document, dict):
                    raise FetchError(f"{url} did not return a JSON object", url=url)
                if ref.startswith("did:web:") and document.get("id") != ref:
                    raise FetchError(f"the DID document at {url} has id {document.get('id')!r}, not {ref}", url=url)
                found[ref] = body
            except BadgeError as exc:
                problems[ref] = exc.message
        return found, problems

    return source

