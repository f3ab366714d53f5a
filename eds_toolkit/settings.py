"""Service settings: one dataclass, read from environment variables (documented in docs/service.md)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from eds_toolkit.home import ensure_home

if TYPE_CHECKING:
    from eds_toolkit.flow.identification import IdentifyConfig

DEFAULT_AGENT_URL = "wss://127.0.0.1:13579"
# the agent's .deb (scripts/build-agent-deb), served from <home>/downloads/eds-agent.deb
DEFAULT_AGENT_DOWNLOAD_URL = "/downloads/eds-agent.deb"
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class SettingsError(ValueError):
    """An environment variable has a value the service cannot use."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}.") from None


def _trimmed_url(raw: str | None, default: str) -> tuple[str, SplitResult | None]:
    """``raw`` (or ``default``) without surrounding spaces and trailing slashes, and its parts (None when
    it is malformed, a bad port included)."""
    value = (raw or default).strip().rstrip("/")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return value, None
    return value, parts


def agent_url(raw: str | None) -> str:
    """``EDS_AGENT_URL``: the ``ws://`` or ``wss://`` loopback address of the citizen's ``eds agent``.

    It goes into the certificates page's CSP ``connect-src``, so anything but a plain
    loopback WebSocket origin is refused here.
    """
    value, parts = _trimmed_url(raw, DEFAULT_AGENT_URL)
    if (
        parts is None
        or parts.scheme not in {"ws", "wss"}
        or parts.hostname not in _LOOPBACK_HOSTS
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or any(ch.isspace() or ch in ";,'\"" for ch in value)
    ):
        raise SettingsError(
            f"EDS_AGENT_URL must be the agent's loopback WebSocket address such as {DEFAULT_AGENT_URL} "
            f"or ws://127.0.0.1:13579, got {value!r}."
        )
    return value


DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def base_url(raw: str | None) -> str:
    """``EDS_BASE_URL``: the portal's public ``http(s)://host[:port][/path]``, without a trailing slash.

    Its origin goes into the agent commands the certificates page shows (``--origin``) and its whole
    into the CA's URLs and SMS links, so anything but a plain address is refused here.
    """
    value, parts = _trimmed_url(raw, DEFAULT_BASE_URL)
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ch in "\"'<>`" for ch in value)
    ):
        raise SettingsError(
            f"EDS_BASE_URL must be the portal's public address such as https://eds.example.kz, got {value!r}."
        )
    return value


RATELIMIT_STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")


def ratelimit_storage_url(raw: str | None) -> str:
    """``EDS_RATELIMIT_STORAGE_URL``: ``memory://`` (per process) or a Redis URL (shared by all workers)."""
    value = (raw or "memory://").strip()
    scheme, sep, _ = value.partition("://")
    if not sep or scheme.lower() not in RATELIMIT_STORAGE_SCHEMES:
        shown = value.split("@", 1)[-1] if "@" in value else value  # never echo a password
        raise SettingsError(
            "EDS_RATELIMIT_STORAGE_URL must be memory:// or a Redis URL such as redis://localhost:6379/0 "
            f"(also rediss://, redis+unix://, redis+sentinel://, redis+cluster://), got {shown!r}."
        )
    return value


QUEUE_SCHEMES = ("redis", "rediss", "unix")


def queue_url(raw: str | None) -> str | None:
    """``EDS_QUEUE_URL``: the Redis of the identification job queue (None: checks run in the web process)."""
    value = (raw or "").strip()
    if not value:
        return None
    scheme, sep, _ = value.partition("://")
    if not sep or scheme.lower() not in QUEUE_SCHEMES:
        shown = value.split("@", 1)[-1] if "@" in value else value  # never echo a password
        raise SettingsError(
            "EDS_QUEUE_URL must be a Redis URL such as redis://localhost:6379/1 (also rediss://, "
            f"unix://), got {shown!r}."
        )
    return value


def stored_secret_key(home: Path) -> str:
    """The secret key kept in ``<home>/secret_key`` (0600), generated on first use.

    Workers starting together race for it: each writes a private temporary file and links it into
    place, so the file is never seen half-written and the losers read the winner's key.
    """
    path = home / "secret_key"
    if not path.exists():
        temporary = home / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):  # another worker won the race: use its key
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()


METRICS_TOKEN_MIN_LENGTH = 32


def metrics_token(raw: str | None) -> str | None:
    """``EDS_METRICS_TOKEN``: the bearer token of /metrics (None: no metrics endpoint), long and random."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) < METRICS_TOKEN_MIN_LENGTH or any(ch.isspace() for ch in value):
        raise SettingsError(
            f"EDS_METRICS_TOKEN must be at least {METRICS_TOKEN_MIN_LENGTH} characters without spaces "
            "(make one with: openssl rand -hex 32)."
        )
    return value


DEFAULT_TIME_ZONE = "Asia/Almaty"
"""Kazakhstan's zone: a single UTC+5 for the whole country since 1 March 2024 (the tz database, 2024a on,
has Asia/Almaty at +05 from then on; see docs/cabinet-history.md)."""


def time_zone(name: str) -> str:
    """``name`` if the tz database on this machine knows it (``EDS_TIME_ZONE``); else SettingsError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(
            f"EDS_TIME_ZONE must be a time zone name like Asia/Almaty, got {name!r}."
        ) from error
    return name


DEFAULT_REMINDER_DAYS = (30, 7, 1)
REMINDER_LANGUAGES = ("kk+ru", "kk", "ru", "en")


def reminder_days(raw: str | tuple[int, ...] | None) -> tuple[int, ...]:
    """``EDS_RENEWAL_REMINDER_DAYS``: days before the AUTH certificate expires when a reminder is due,
    e.g. ``30,7,1`` (each from 1 to 364, no repeats); returned largest first."""
    if raw is None or raw == "":
        return DEFAULT_REMINDER_DAYS
    words = raw.split(",") if isinstance(raw, str) else [str(day) for day in raw]
    try:
        days = [int(word) for word in words]
    except ValueError:
        days = []
    if not days or len(set(days)) != len(days) or not all(1 <= day <= 364 for day in days):
        raise SettingsError(
            f"EDS_RENEWAL_REMINDER_DAYS must be days before expiry, each from 1 to 364 and named once, "
            f"separated by commas (e.g. 30,7,1), got {raw!r}."
        )
    return tuple(sorted(days, reverse=True))


@dataclass
class Settings:
    """Everything the app factory needs. ``from_env`` fills it from ``EDS_*`` variables."""

    home: Path
    database_url: str
    secret_key: str
    sms_gateway: str = "console"  # console | outbox | http
    sms_url: str | None = None
    sms_token: str | None = None
    citizens_registry_url: str | None = None  # an external HTTP registry instead of the built-in table
    # the registration rules' registers kept by other services (HTTP) instead of the built-in tables
    property_registry_url: str | None = None
    rental_registry_url: str | None = None
    family_registry_url: str | None = None
    capacity_registry_url: str | None = None
    ratelimit_storage_url: str = "memory://"
    ratelimit_enabled: bool = True
    ratelimit_per_address: str = "120/minute"
    ratelimit_per_iin: str = "10/hour"
    # identification checks as jobs on this Redis, decided by `eds worker` (None: in the web process);
    # a request waits at most queue_wait seconds for its check (eds_toolkit/jobs, docs/deploy.md)
    queue_url: str | None = None
    queue_wait: float = 30.0
    ca_passphrase: bytes | None = None
    ca_passphrase_file: Path | None = None
    create_test_ca: bool = False  # embedded default for `eds serve`: a TEST CA on first start
    load_demo_citizens: bool = False
    load_demo_registers: bool = (
        False  # the registers' demo addresses and people (eds_toolkit/registers/demo.py)
    )
    demo_photos_dir: Path | None = None  # the demo citizens' reference photos (None: the shared test faces)
    base_url: str = DEFAULT_BASE_URL  # the portal's public address (`eds serve`: where it listens)
    enrolment_ttl: int = 3600  # seconds
    # a new phone number for an IIN whose base had one waits this long before certificates are issued to
    # it, unless the old number confirms (the owner is told by SMS and can stop it meanwhile)
    phone_change_hold_hours: int = 72
    max_content_length: int = 64 * 1024
    secure_cookies: bool = True
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are believed
    agent_url: str = DEFAULT_AGENT_URL  # the citizen's `eds agent`, driven by the certificates page
    agent_download_url: str = DEFAULT_AGENT_DOWNLOAD_URL  # where the certificates page links the installer
    # a citizen who lost the downloaded keystores may ask for a new pair (the old one revoked) this many
    # times within one enrolment, before it expires (EDS_REPLACEMENTS_PER_ENROLMENT; 0 turns it off)
    replacements_per_enrolment: int = 2
    # server-made keystores are kept, encrypted with the citizen's password, this long after issuance, so
    # that a lost answer or a crash does not lose the keys (EDS_KEYSTORE_PICKUP_MINUTES; flow/pickup.py)
    keystore_pickup_minutes: int = 15
    # a code committed but not sent for this long (its process died) is sent again, fresh, by a serving
    # process (EDS_SMS_RESEND_UNSENT_SECONDS; 0 turns it off; flow/unsent_codes.py)
    resend_unsent_sms_seconds: int = 30
    time_zone: str = DEFAULT_TIME_ZONE  # the zone the pages show times in (EDS_TIME_ZONE, an IANA name)
    # SMS reminders before the AUTH certificate expires, this many days before (EDS_RENEWAL_REMINDER_DAYS),
    # in the citizen's language, else this one (EDS_RENEWAL_REMINDER_LANGUAGE: kk+ru sends both)
    renewal_reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS
    renewal_reminder_language: str = "kk+ru"
    pin_max_attempts: int = 5
    # the bearer token Prometheus sends to /metrics (EDS_METRICS_TOKEN); None: the endpoints do not exist
    metrics_token: str | None = field(default=None, repr=False)
    pin_lockout_seconds: int = 900
    # identification limits and switches (EDS_IDENTIFY_*, EDS_LIVENESS_*, EDS_FACE_MATCH_THRESHOLD); None:
    # the defaults. The app never reads these variables itself when it is given a Settings.
    identify: IdentifyConfig | None = None
    clock: Any = field(default=None, repr=False)  # eds_toolkit.clock.Clock; tests pass a FrozenClock
    sms: Any = field(default=None, repr=False)  # an SmsGateway instance overriding sms_gateway

    def __post_init__(self) -> None:
        self.agent_url = agent_url(self.agent_url)
        self.base_url = base_url(self.base_url)
        self.ratelimit_storage_url = ratelimit_storage_url(self.ratelimit_storage_url)
        self.queue_url = queue_url(self.queue_url)
        if not 0 < self.queue_wait <= 600:
            raise SettingsError("EDS_QUEUE_WAIT must be more than 0 and at most 600 seconds.")
        if self.phone_change_hold_hours < 0:
            raise SettingsError("EDS_PHONE_CHANGE_HOLD_HOURS must be 0 or more hours.")
        if self.replacements_per_enrolment < 0:
            raise SettingsError("EDS_REPLACEMENTS_PER_ENROLMENT must be 0 or more.")
        if not 1 <= self.keystore_pickup_minutes <= 24 * 60:
            raise SettingsError("EDS_KEYSTORE_PICKUP_MINUTES must be from 1 to 1440 minutes.")
        if self.resend_unsent_sms_seconds < 0:
            raise SettingsError("EDS_SMS_RESEND_UNSENT_SECONDS must be 0 or more seconds.")
        self.time_zone = time_zone(self.time_zone)
        self.renewal_reminder_days = reminder_days(self.renewal_reminder_days)
        if self.renewal_reminder_language not in REMINDER_LANGUAGES:
            raise SettingsError(
                f"EDS_RENEWAL_REMINDER_LANGUAGE must be one of {', '.join(REMINDER_LANGUAGES)}, "
                f"got {self.renewal_reminder_language!r}."
            )
        self.metrics_token = metrics_token(self.metrics_token)

    @property
    def portal_origin(self) -> str:
        """``scheme://host[:port]`` of ``base_url``: the origin the citizen's browser shows for the portal."""
        parts = urlsplit(self.base_url)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, home: Path | None = None) -> Settings:
        """Read ``EDS_*`` variables; the instance directory is created if missing."""
        from eds_toolkit.flow.identification import IdentifyConfig

        env = os.environ if environ is None else environ
        home_path = ensure_home(home or env.get("EDS_HOME") or None)
        gateway = env.get("EDS_SMS_GATEWAY", "console")
        if gateway not in {"console", "outbox", "http"}:
            raise SettingsError(f"EDS_SMS_GATEWAY must be console, outbox or http, got {gateway!r}.")
        if gateway == "http" and not env.get("EDS_SMS_URL"):
            raise SettingsError("EDS_SMS_GATEWAY=http needs EDS_SMS_URL (the provider's API address).")
        passphrase = env.get("EDS_CA_PASSPHRASE")
        passphrase_file = env.get("EDS_CA_PASSPHRASE_FILE")
        return cls(
            home=home_path,
            database_url=env.get("EDS_DATABASE_URL") or f"sqlite:///{home_path / 'eds.sqlite3'}",
            secret_key=env.get("EDS_SECRET_KEY") or stored_secret_key(home_path),
            sms_gateway=gateway,
            sms_url=env.get("EDS_SMS_URL") or None,
            sms_token=env.get("EDS_SMS_TOKEN") or None,
            citizens_registry_url=env.get("EDS_CITIZENS_REGISTRY_URL") or None,
            property_registry_url=env.get("EDS_PROPERTY_REGISTRY_URL") or None,
            rental_registry_url=env.get("EDS_RENTAL_REGISTRY_URL") or None,
            family_registry_url=env.get("EDS_FAMILY_REGISTRY_URL") or None,
            capacity_registry_url=env.get("EDS_CAPACITY_REGISTRY_URL") or None,
            ratelimit_storage_url=env.get("EDS_RATELIMIT_STORAGE_URL") or "memory://",
            ratelimit_enabled=_flag(env.get("EDS_RATELIMIT_ENABLED"), True),
            ratelimit_per_address=env.get("EDS_RATELIMIT_PER_ADDRESS") or "120/minute",
            ratelimit_per_iin=env.get("EDS_RATELIMIT_PER_IIN") or "10/hour",
            queue_url=env.get("EDS_QUEUE_URL") or None,
            queue_wait=_int(env, "EDS_QUEUE_WAIT", 30),
            ca_passphrase=passphrase.encode() if passphrase else None,
            ca_passphrase_file=Path(passphrase_file) if passphrase_file else None,
            create_test_ca=_flag(env.get("EDS_CREATE_TEST_CA"), False),
            load_demo_citizens=_flag(env.get("EDS_LOAD_DEMO_CITIZENS"), False),
            load_demo_registers=_flag(env.get("EDS_LOAD_DEMO_REGISTERS"), False),
            demo_photos_dir=Path(env["EDS_DEMO_PHOTOS_DIR"]) if env.get("EDS_DEMO_PHOTOS_DIR") else None,
            base_url=env.get("EDS_BASE_URL") or DEFAULT_BASE_URL,
            enrolment_ttl=_int(env, "EDS_ENROLMENT_TTL", 3600),
            phone_change_hold_hours=_int(env, "EDS_PHONE_CHANGE_HOLD_HOURS", 72),
            max_content_length=_int(env, "EDS_MAX_CONTENT_LENGTH", 64 * 1024),
            secure_cookies=_flag(env.get("EDS_SECURE_COOKIES"), True),
            trusted_proxies=_int(env, "EDS_TRUSTED_PROXIES", 0),
            agent_url=env.get("EDS_AGENT_URL") or DEFAULT_AGENT_URL,
            agent_download_url=env.get("EDS_AGENT_DOWNLOAD_URL") or DEFAULT_AGENT_DOWNLOAD_URL,
            replacements_per_enrolment=_int(env, "EDS_REPLACEMENTS_PER_ENROLMENT", 2),
            keystore_pickup_minutes=_int(env, "EDS_KEYSTORE_PICKUP_MINUTES", 15),
            resend_unsent_sms_seconds=_int(env, "EDS_SMS_RESEND_UNSENT_SECONDS", 30),
            time_zone=env.get("EDS_TIME_ZONE") or DEFAULT_TIME_ZONE,
            renewal_reminder_days=reminder_days(env.get("EDS_RENEWAL_REMINDER_DAYS")),
            renewal_reminder_language=env.get("EDS_RENEWAL_REMINDER_LANGUAGE") or "kk+ru",
            metrics_token=env.get("EDS_METRICS_TOKEN") or None,
            identify=IdentifyConfig.from_env(env),
        )
