"""Service configuration: one frozen object, read from the environment only by the app factory or CLI.

Environment variables (all optional):

=========================  ==============================================================
``BADGES_BASE_URL``        public origin, e.g. ``https://badges.example.org`` (default
                           ``http://127.0.0.1:8000``); sets every did:web id and every URL
                           inside issued badges
``BADGES_DATA_DIR``        directory for the SQLite file, uploads and the dev KEK (``./var``)
``DATABASE_URL``           ``postgres://…`` / ``postgresql://…`` or ``sqlite:///path``;
                           default ``sqlite:///<data dir>/badges.sqlite3``
``BADGES_KEK``             key-encryption key for the schools' signing keys: 32 bytes as
                           base64url or hex. Without it a dev KEK file ``<data dir>/kek``
                           (mode 0600) is used, created by ``badges init``
``BADGES_SECRET_KEY``      secret for cookies and CSRF tokens; derived from the KEK if unset
``BADGES_ISSUER_IDENTITY`` ``did:web`` (default) or ``did:key`` (deployments without a domain)
``BADGES_STATUS_LIST_SIZE`` entries per status list (default and minimum 131072)
``BADGES_MAX_UPLOAD_BYTES`` evidence upload cap (default 10 MiB)
``BADGES_MAX_IMAGE_BYTES`` badge image cap (default 1 MiB)
``BADGES_VERIFIER_DOCUMENTS`` the mounted verifier's offline bundle (a folder of DID documents,
                           controller documents and status lists, as ``badges verify --documents``)
``BADGES_VERIFIER_TRUST``  a trust file of further registered issuers (besides the district's schools)
``BADGES_VERIFIER_ALLOW_PRIVATE_NETWORKS`` ``1`` lets the verifier fetch from private addresses
                           (tests, a closed intranet); refused by default (SSRF)
``BADGES_TRUSTED_PROXIES`` comma-separated addresses or networks (``10.0.0.0/8``) of reverse
                           proxies whose ``X-Forwarded-For`` gives the client address (login
                           limits); default none: the peer address is the client
``BADGES_LOGIN_MAX_FAILURES`` failed logins per (username, IP) in the window (default 5)
``BADGES_LOGIN_MAX_FAILURES_PER_IP`` failed logins per IP across usernames (default 50)
``BADGES_JOBS``            ``inline`` (default): the app runs bulk awards and cohort transcripts
                           itself; ``worker``: it only queues them for ``badges worker``
``BADGES_JOB_LEASE_SECONDS`` how long a job's lease lasts without a heartbeat before another
                           process resumes the job (default 30)
``BADGES_SMTP_URL``        the mail server: ``smtp://user:pass@host:587?starttls=1`` (STARTTLS),
                           ``smtps://user:pass@host:465`` (TLS from the start) or ``smtp://host:25``;
                           user and password percent-encoded. Unset: no mail leaves the service, it
                           is kept in the outbox (``/admin/outbox``) for staff to read (the demo)
``BADGES_MAIL_FROM``       the sender, e.g. ``Badges <badges@school.example>`` (default
                           ``no-reply@<host of the base URL>``)
=========================  ==============================================================
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

MIN_STATUS_LIST_SIZE = 131072
IDENTITIES = ("did:web", "did:key")


class SettingsError(ValueError):
    """A configuration value that cannot be used (reported by the CLI / app factory)."""


def decode_secret(value: str, name: str) -> bytes:
    """32 bytes given as hex (64 chars) or base64url (with or without padding)."""
    value = value.strip()
    try:
        raw = bytes.fromhex(value) if len(value) == 64 else base64.urlsafe_b64decode(
            value + "=" * (-len(value) % 4))
    except (ValueError, binascii.Error):
        raise SettingsError(f"{name} must be 32 bytes as hex or base64url") from None
    if len(raw) != 32:
        raise SettingsError(f"{name} must be 32 bytes (got {len(raw)})")
    return raw


@dataclass(frozen=True)
class Settings:
    base_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var")
    database_url: str = ""
    # Secrets stay out of repr so a logged Settings never leaks them.
    key_encryption_key: bytes | None = field(default=None, repr=False)
    secret_key: bytes | None = field(default=None, repr=False)
    issuer_identity: str = "did:web"
    status_list_size: int = MIN_STATUS_LIST_SIZE
    max_upload_bytes: int = 10 * 1024 * 1024
    max_image_bytes: int = 1024 * 1024
    session_max_age: int = 8 * 3600
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 50
    login_window_seconds: int = 15 * 60
    trusted_proxies: tuple[str, ...] = ()
    status_cache_seconds: int = 60
    verifier_documents_dir: Path | None = None
    verifier_trust_file: Path | None = None
    verifier_allow_private_networks: bool = False
    debug: bool = False
    jobs: str = "inline"  # inline | worker (issuer.jobs)
    job_lease_seconds: int = 30
    smtp_url: str = field(default="", repr=False)  # holds the mail server's password
    mail_from: str = ""

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise SettingsError(f"base URL must be an http(s) origin, got {self.base_url!r}")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not self.database_url:
            object.__setattr__(self, "database_url",
                               f"sqlite:///{(Path(self.data_dir) / 'badges.sqlite3').as_posix()}")
        if self.issuer_identity not in IDENTITIES:
            raise SettingsError(f"issuer identity must be one of {IDENTITIES}")
        if self.status_list_size < MIN_STATUS_LIST_SIZE or self.status_list_size % 8:
            raise SettingsError(f"status list size must be a multiple of 8 and ≥ {MIN_STATUS_LIST_SIZE}")
        if not (self.is_postgres or self.database_url.startswith("sqlite:///")):
            raise SettingsError("DATABASE_URL must be postgres://… or sqlite:///path")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(f"BADGES_TRUSTED_PROXIES: {proxy!r} is not an address or network") from None
        if self.login_max_failures < 1 or self.login_max_failures_per_ip < 1:
            raise SettingsError("login limits must be at least 1")
        if self.jobs not in ("inline", "worker"):
            raise SettingsError("BADGES_JOBS must be inline or worker")
        if not 1 <= self.job_lease_seconds <= 3600:
            raise SettingsError("BADGES_JOB_LEASE_SECONDS must be between 1 and 3600")
        if self.smtp_url:
            smtp = urlsplit(self.smtp_url)
            if smtp.scheme not in ("smtp", "smtps") or not smtp.hostname:
                raise SettingsError("BADGES_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
            try:
                smtp.port  # noqa: B018 - urlsplit checks the port only when it is read
            except ValueError:
                raise SettingsError("BADGES_SMTP_URL has an invalid port") from None
        if self.mail_from and ("@" not in self.mail_from or any(c in self.mail_from for c in "\r\n")):
            raise SettingsError("BADGES_MAIL_FROM must be an e-mail address")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        env = os.environ if env is None else env
        kw: dict = {}
        if v := env.get("BADGES_BASE_URL"):
            kw["base_url"] = v
        if v := env.get("BADGES_DATA_DIR"):
            kw["data_dir"] = Path(v)
        if v := env.get("DATABASE_URL"):
            kw["database_url"] = v
        if v := env.get("BADGES_KEK"):
            kw["key_encryption_key"] = decode_secret(v, "BADGES_KEK")
        if v := env.get("BADGES_SECRET_KEY"):
            kw["secret_key"] = decode_secret(v, "BADGES_SECRET_KEY")
        if v := env.get("BADGES_ISSUER_IDENTITY"):
            kw["issuer_identity"] = v
        if v := env.get("BADGES_VERIFIER_DOCUMENTS"):
            kw["verifier_documents_dir"] = Path(v)
        if v := env.get("BADGES_VERIFIER_TRUST"):
            kw["verifier_trust_file"] = Path(v)
        if v := env.get("BADGES_VERIFIER_ALLOW_PRIVATE_NETWORKS"):
            kw["verifier_allow_private_networks"] = v.strip().lower() in {"1", "true", "yes", "on"}
        if v := env.get("BADGES_TRUSTED_PROXIES"):
            kw["trusted_proxies"] = tuple(p.strip() for p in v.split(",") if p.strip())
        for name, key in (("BADGES_STATUS_LIST_SIZE", "status_list_size"),
                          ("BADGES_MAX_UPLOAD_BYTES", "max_upload_bytes"),
                          ("BADGES_MAX_IMAGE_BYTES", "max_image_bytes"),
                          ("BADGES_LOGIN_MAX_FAILURES", "login_max_failures"),
                          ("BADGES_LOGIN_MAX_FAILURES_PER_IP", "login_max_failures_per_ip"),
                          ("BADGES_JOB_LEASE_SECONDS", "job_lease_seconds")):
            if v := env.get(name):
                try:
                    kw[key] = int(v)
                except ValueError:
                    raise SettingsError(f"{name} must be an integer") from None
        if v := env.get("BADGES_JOBS"):
            kw["jobs"] = v
        if v := env.get("BADGES_SMTP_URL"):
            kw["smtp_url"] = v.strip()
        if v := env.get("BADGES_MAIL_FROM"):
            kw["mail_from"] = v.strip()
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)

    def replace(self, **changes) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def mail_sender(self) -> str:
        """``BADGES_MAIL_FROM``, else no-reply at the base URL's host (which may change after
        ``__post_init__``: ``load`` replaces the base URL with the one ``init`` saved)."""
        return self.mail_from or f"no-reply@{urlsplit(self.base_url).hostname}"

    @property
    def kek_path(self) -> Path:
        return self.data_dir / "kek"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


BASE_URL_FILE = "base_url"


def load(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """``Settings.from_env`` plus the base URL that ``badges init`` saved in the data dir, so
    that ``serve`` keeps the did:web ids ``init`` created (explicit options and
    ``BADGES_BASE_URL`` still win)."""
    env = os.environ if env is None else env
    settings = Settings.from_env(env, **overrides)
    if overrides.get("base_url") is None and not env.get("BADGES_BASE_URL"):
        saved = settings.data_dir / BASE_URL_FILE
        if saved.is_file():
            settings = settings.replace(base_url=saved.read_text(encoding="utf-8").strip())
    return settings


# The data directory holds the database, evidence files and the dev KEK: only the service's own
# user may read it. Directories are 0700 and files 0600 whatever the umask.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """``mkdir -p`` that creates every missing level with mode 0700 (``Path.mkdir(parents=True)``
    gives parents the umask's mode). ``tighten`` also narrows an existing ``path`` to 0700 (the
    data and upload directories; not a directory the operator chose to share, such as ``/tmp``)."""
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        directory.chmod(PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
    if tighten and not missing and path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours to change: the files inside are still 0600
            path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 when missing, else narrow it to 0600 (a SQLite file
    made by an older version). SQLite gives its -wal and -shm files the database file's mode."""
    path = Path(path)
    # An existing file is never opened: closing any descriptor of a SQLite database drops every
    # POSIX lock this process's SQLite connections hold on it (fcntl semantics), after which
    # other processes read stale snapshots or fail with "disk I/O error".
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        try:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, PRIVATE_FILE_MODE)
        except PermissionError:
            pass
        return path
    try:
        if os.fstat(fd).st_mode & 0o077:  # a umask cannot widen it, but an ACL default might
            os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path


def save_base_url(settings: Settings) -> None:
    private_dir(settings.data_dir)
    (settings.data_dir / BASE_URL_FILE).write_text(settings.base_url + "\n", encoding="utf-8")
