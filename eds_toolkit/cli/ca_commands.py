"""`eds ca` commands: create the CA, issue, list, show, revoke, publish the chain and CRL; `eds ca renewals`
(reminders before expiry, the wave's status) is in ``ca_renewals``.

Exit status: 0 done, 1 refused by the CA (issuance refused, CA exists or missing, unknown serial,
--out file exists, database unusable), 2 bad input (malformed CSR, invalid IIN or name, missing or
wrong passphrase, unusable file or option).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ca.authority import CertificateAuthority
from ca.config import CAConfig
from ca.csr import MAX_CSR_BYTES
from ca.errors import CAError, IssuanceRefused, PassphraseMissing, WrongCAPassphrase
from ca.passphrase import load_passphrase
from ca.proofs.service_centre import ServiceCentreProof
from ca.store import REVOCATION_REASONS, STATUSES, CertificateRecord, CertificateStore
from eds_toolkit.cli import Context, pass_context
from keystore.errors import KeystoreExists
from keystore.files import write_new_file

PASSPHRASE_FILE = click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File whose first line is the CA passphrase (default: $EDS_CA_PASSPHRASE).",
)
PIN_FILE = click.option(
    "--pin-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="For an issuing key in a PKCS#11 token: file whose first line is the token's user PIN "
    "(default: $EDS_CA_PIN).",
)
DEFAULT_KEY_LABEL = "eds-issuing-ca"
# Refusals caused by what the operator typed or the file they gave (exit 2, as `eds keystore new`);
# every other refusal is the CA's policy (exit 1).
BAD_INPUT_CODES = frozenset(
    {
        "malformed_csr",
        "invalid_iin",
        "invalid_name",
        "unknown_profile",
        "operator_missing",
        "document_missing",
    }
)


def _fail(message: str, status: int) -> None:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(status)


def _ca_errors_exit(command: Callable) -> Callable:
    """Turn CA and database errors into one line on stderr and exit 1 (refused) or 2 (bad input)."""

    @functools.wraps(command)
    def wrapper(ctx: Context, *args, **kwargs):
        try:
            return command(ctx, *args, **kwargs)
        except IssuanceRefused as exc:
            _fail(f"issuance refused ({exc.code}): {exc}", 2 if exc.code in BAD_INPUT_CODES else 1)
        except (PassphraseMissing, WrongCAPassphrase) as exc:
            _fail(str(exc), 2)
        except CAError as exc:
            _fail(str(exc), 1)
        except SQLAlchemyError as exc:
            _fail(_database_problem(ctx, exc), 1)

    return wrapper


def _database_problem(ctx: Context, error: SQLAlchemyError) -> str:
    """One line naming the database (password hidden) and the driver's first line, never a traceback."""
    from sqlalchemy.engine import make_url

    from eds_toolkit.home import database_url

    url = database_url(ctx.home)
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return (
            "The database URL ($EDS_DATABASE_URL) cannot be parsed: "
            "expected e.g. postgresql+psycopg://user@host/db."
        )
    if isinstance(error, ArgumentError):  # unknown scheme or driver
        return (
            f"The database URL {shown} names no database driver this toolkit has: "
            "use sqlite:/// or postgresql+psycopg://."
        )
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = reason[0] if reason else type(error).__name__
    password = make_url(url).password
    if password:
        first = first.replace(str(password), "***")
    return f"The database {shown} cannot be used: {first}"


def _store(ctx: Context) -> CertificateStore:
    from eds_toolkit.db import make_engine
    from eds_toolkit.home import database_url
    from eds_toolkit.migrations import upgrade

    engine = make_engine(database_url(ctx.home))
    upgrade(engine)  # the same Alembic-managed schema `eds serve` uses, so either may come first
    return CertificateStore(engine)


def _ca_dir(ctx: Context) -> Path:
    return ctx.home / "ca"


def _load_authority(
    ctx: Context, passphrase_file: Path | None, pin_file: Path | None
) -> CertificateAuthority:
    """Load the CA with the secret its ca.json asks for: the token PIN, or the passphrase."""
    from ca.pkcs11 import load_pin

    config_file = _ca_dir(ctx) / "ca.json"
    if config_file.exists() and CAConfig.from_file(config_file).issuing_key_in_token:
        return CertificateAuthority.load(_ca_dir(ctx), None, _store(ctx), pin=load_pin(pin_file))
    return CertificateAuthority.load(_ca_dir(ctx), load_passphrase(passphrase_file), _store(ctx))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``path`` via a temporary file and a rename, so a reader never sees half a file."""
    if not path.parent.is_dir():
        _fail(f"{path.parent} is not a directory: cannot write {path.name}.", 2)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def _check_writable(path: Path) -> None:
    if not path.parent.is_dir():
        _fail(f"{path.parent} is not a directory: cannot write {path.name}.", 2)
    if path.is_dir():
        _fail(f"{path} is a directory; --out takes a file name.", 2)


def _record_dict(record: CertificateRecord, now: dt.datetime | None = None) -> dict[str, str | None]:
    """The record for output; ``status`` is derived (valid, expired or revoked) at ``now``."""
    return {
        "serial": record.serial,
        "iin": record.iin,
        "profile": record.profile,
        "status": record.status_at(now),
        "not_before": record.not_before.isoformat(),
        "not_after": record.not_after.isoformat(),
        "subject": record.subject,
        "identification": record.identification,
        "fingerprint_sha256": record.fingerprint_sha256,
        "enrolment_id": record.enrolment_id,
        "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        "revocation_reason": record.revocation_reason,
        "invalidity_date": record.invalidity_date.isoformat() if record.invalidity_date else None,
    }


@click.group("ca")
def ca_group() -> None:
    """Certificate authority: root and issuing CA, AUTH/SIGN certificates, revocation."""


@ca_group.command("init")
@PASSPHRASE_FILE
@click.option(
    "--pkcs11-module",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Generate the issuing CA key inside a PKCS#11 token through this module "
    "(e.g. /usr/lib/softhsm/libsofthsm2.so); the root key stays a passphrase-encrypted file.",
)
@click.option("--token-label", default=None, help="Label of the token (with --pkcs11-module).")
@click.option(
    "--key-label",
    default=DEFAULT_KEY_LABEL,
    show_default=True,
    help="Label of the key pair generated in the token (with --pkcs11-module).",
)
@PIN_FILE
@click.option("--root-name", default=CAConfig.root_name, show_default=True, help="Root CA common name.")
@click.option(
    "--issuing-name", default=CAConfig.issuing_name, show_default=True, help="Issuing CA common name."
)
@click.option(
    "--base-url",
    default=CAConfig.base_url,
    show_default=True,
    help="Where the service publishes /pki/crl, /pki/ocsp, /pki/issuing.cer and /pki/cps.",
)
@pass_context
@_ca_errors_exit
def init_command(
    ctx: Context,
    passphrase_file: Path | None,
    pkcs11_module: Path | None,
    token_label: str | None,
    key_label: str,
    pin_file: Path | None,
    root_name: str,
    issuing_name: str,
    base_url: str,
) -> None:
    """Create the root and issuing CA in <home>/ca (refuses to overwrite an existing CA)."""
    from ca.pkcs11 import load_pin

    if (pkcs11_module is None) != (token_label is None):
        _fail("--pkcs11-module and --token-label go together.", 2)
    passphrase = load_passphrase(passphrase_file)
    pin = load_pin(pin_file) if pkcs11_module is not None else None
    token = {}
    if pkcs11_module is not None:
        token = {
            "pkcs11_module": str(pkcs11_module.absolute()),
            "pkcs11_token_label": token_label,
            "pkcs11_key_label": key_label,
        }
    config = CAConfig(root_name=root_name, issuing_name=issuing_name, base_url=base_url, **token)
    authority = CertificateAuthority.initialise(_ca_dir(ctx), passphrase, config, pin=pin)
    _store(ctx)
    click.echo(f"CA created in {_ca_dir(ctx)}")
    if pkcs11_module is not None:
        click.echo(f"  issuing key: {key_label!r} in token {token_label!r} ({pkcs11_module}), not exportable")
    for label, cert in (("issuing", authority.issuing_cert), ("root", authority.root_cert)):
        fingerprint = cert.fingerprint(hashes.SHA256()).hex()
        click.echo(f"  {label}: {cert.subject.rfc4514_string()}  SHA-256 {fingerprint}")


@ca_group.command("chain")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="PEM file to write.")
@pass_context
@_ca_errors_exit
def chain_command(ctx: Context, out: Path) -> None:
    """Write the CA certificates as PEM, issuing CA first, then the root."""
    _check_writable(out)
    chain = CertificateAuthority.read_chain(_ca_dir(ctx))
    _write_atomically(out, b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in chain))
    click.echo(str(out))


@ca_group.command("issue")
@click.option("--csr", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--iin", required=True, help="The person's 12-digit IIN.")
@click.option("--surname", required=True)
@click.option("--given-name", required=True)
@click.option("--patronymic", default=None)
@click.option("--profile", type=click.Choice(["auth", "sign"]), required=True)
@click.option("--operator", required=True, help="Who checked the identity document in person (operator ID).")
@click.option("--document", required=True, help="The number of the identity document the operator checked.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Certificate PEM file to write.")
@PASSPHRASE_FILE
@PIN_FILE
@pass_context
@_ca_errors_exit
def issue_command(
    ctx: Context,
    csr: Path,
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str | None,
    profile: str,
    operator: str,
    document: str,
    out: Path,
    passphrase_file: Path | None,
    pin_file: Path | None,
) -> None:
    """Issue an AUTH or SIGN certificate to a person identified in person at a service centre; prints
    the serial number. Never overwrites --out.

    The operator names themself and the identity document they checked. Remote identification
    (SMS code, liveness, face match) is proven only by the citizen flow, never on the command line.
    """
    _check_writable(out)
    if out.exists():
        _fail(f"{out} already exists; it was left untouched and nothing was issued. Choose another name.", 1)
    authority = _load_authority(ctx, passphrase_file, pin_file)
    proof = ServiceCentreProof(
        operator_id=operator,
        document_number=document,
        iin=iin.strip(),
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
    )
    with csr.open("rb") as handle:  # a request is a few kB: never read more than the CA would accept
        csr_data = handle.read(MAX_CSR_BYTES + 1)
    issued = authority.issue(csr_data, proof, profile)
    try:
        write_new_file(out, issued.pem(), 0o644)
    except KeystoreExists:
        _fail(
            f"{out} appeared while the certificate was issued and was left untouched; certificate "
            f"{issued.record.serial} is stored: write it out with `eds ca show {issued.record.serial}`.",
            1,
        )
    click.echo(issued.record.serial)


@ca_group.command("list")
@click.option("--iin", default=None)
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default=None,
    help="valid, expired (past its end date, not revoked) or revoked.",
)
@click.option("--expiring-within", type=click.IntRange(min=0), default=None, metavar="DAYS")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]), default="table")
@pass_context
@_ca_errors_exit
def list_command(
    ctx: Context, iin: str | None, status: str | None, expiring_within: int | None, output_format: str
) -> None:
    """List issued certificates (filters combine)."""
    now = dt.datetime.now(dt.UTC)
    records = _store(ctx).list(iin=iin, status=status, expiring_within_days=expiring_within, now=now)
    columns = ("serial", "iin", "profile", "status", "not_before", "not_after", "subject")
    if output_format == "json":
        click.echo(json.dumps([_record_dict(r, now) for r in records], ensure_ascii=False, indent=2))
    elif output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            row = _record_dict(record, now)
            writer.writerow([row[c] for c in columns])
        sys.stdout.write(buffer.getvalue())
    else:
        click.echo(f"{'SERIAL':40}  {'IIN':12}  {'PROFILE':7}  {'STATUS':7}  {'NOT AFTER':19}  SUBJECT")
        for record in records:
            click.echo(
                f"{record.serial:40}  {record.iin:12}  {record.profile:7}  {record.status_at(now):7}  "
                f"{record.not_after:%Y-%m-%d %H:%M:%S}  {record.subject}"
            )


@ca_group.command("show")
@click.argument("serial")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@pass_context
@_ca_errors_exit
def show_command(ctx: Context, serial: str, output_format: str) -> None:
    """Show one certificate's record and PEM."""
    record = _store(ctx).get(serial)
    if record is None:
        _fail(f"No certificate with serial {serial} in this CA's store.", 1)
    details = _record_dict(record)
    if output_format == "json":
        click.echo(json.dumps(details | {"pem": record.pem}, ensure_ascii=False, indent=2))
        return
    for key, value in details.items():
        if value is not None:
            click.echo(f"{key:19} {value}")
    click.echo(record.pem, nl=False)


@ca_group.command("revoke")
@click.argument("serial")
@click.option("--reason", type=click.Choice(REVOCATION_REASONS), default="unspecified", show_default=True)
@click.option(
    "--compromised-since",
    "compromised_since",
    default=None,
    metavar="WHEN",
    help="With --reason key_compromise: since when the key may be in someone else's hands, an ISO 8601 day "
    "(from 00:00 UTC) or time with its offset; the CRL entry's Invalidity Date (RFC 5280 5.3.2). Not in the "
    "future; a time before the certificate's notBefore is stored as its notBefore.",
)
@pass_context
@_ca_errors_exit
def revoke_command(ctx: Context, serial: str, reason: str, compromised_since: str | None) -> None:
    """Revoke a certificate: OCSP answers "revoked" at once, the next delta CRL lists it (within the
    hour; `eds ca crl --publish --force` publishes now)."""
    invalid_since = _compromise_moment(compromised_since, reason) if compromised_since else None
    record = _store(ctx).revoke(serial, reason, invalid_since=invalid_since)
    click.echo(f"revoked {record.serial} ({reason}) at {record.revoked_at:%Y-%m-%d %H:%M:%S} UTC")


def _compromise_moment(text: str, reason: str) -> dt.datetime:
    """``--compromised-since`` as a UTC moment; exit 2 for a text not a day or time, or another reason."""
    if reason != "key_compromise":
        _fail("--compromised-since goes only with --reason key_compromise.", 2)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        _fail(f"--compromised-since {text!r} is not an ISO 8601 day or time (e.g. 2026-11-30).", 2)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


@ca_group.command("crl")
@click.option(
    "--publish",
    is_flag=True,
    help="Publish the issuing CA's base and delta CRLs that are due (base daily, delta hourly) to the "
    "store the web serves /pki/crl and /pki/delta.crl from; for a timer (deploy/systemd/eds-crl.timer).",
)
@click.option(
    "--root",
    is_flag=True,
    help="Publish the root's CRL (/pki/root.crl), signed with root.key.pem: run where the root key is.",
)
@click.option(
    "--import",
    "import_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Store a root CRL made on the offline root's machine (`eds ca crl --root --out FILE` there) "
    "for the web to serve at /pki/root.crl.",
)
@click.option(
    "--status",
    is_flag=True,
    help="Print the newest base, delta and root CRLs (number, thisUpdate, nextUpdate, overdue) as JSON.",
)
@click.option("--force", is_flag=True, help="Publish now even if the last CRL is not due for renewal.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Also write the CRL to this file.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --publish: also write crl, delta.crl (and root.crl) here, for a static web server.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["der", "pem"]), default="der", show_default=True
)
@PASSPHRASE_FILE
@PIN_FILE
@pass_context
@_ca_errors_exit
def crl_command(
    ctx: Context,
    publish: bool,
    root: bool,
    import_file: Path | None,
    status: bool,
    force: bool,
    out: Path | None,
    directory: Path | None,
    output_format: str,
    passphrase_file: Path | None,
    pin_file: Path | None,
) -> None:
    """Publish CRLs: without --publish or --root, a new base CRL of the issuing CA now (to --out).

    Each CRL is numbered from the CA's stored counter and kept in the database, from where the web
    serves it. Exit 0 also when nothing was due.
    """
    from ca.crl import build_crl, current_crl, publish_due

    if import_file is not None:
        _import_root_crl(ctx, import_file)
        return
    if status:
        _print_status(ctx)
        return
    if publish and root:
        _fail("--publish and --root are separate runs (the root key is kept elsewhere).", 2)
    if not (publish or root) and out is None:
        _fail("Give --out (a new base CRL to this file), --publish or --root.", 2)
    if directory is not None and not publish:
        _fail("--dir goes with --publish.", 2)
    for path in (out,) if out is not None else ():
        _check_writable(path)
    encoding = serialization.Encoding.PEM if output_format == "pem" else serialization.Encoding.DER
    if root:
        crl = _publish_root_crl(ctx, passphrase_file, force)
        if crl is None:
            click.echo("root CRL: not due (use --force to publish now)")
            return
        _report("root", crl)
        if out is not None:
            _write_atomically(out, crl.public_bytes(encoding))
        return
    authority = _load_authority(ctx, passphrase_file, pin_file)
    if not publish:
        crl = build_crl(authority)
        _write_atomically(out, crl.public_bytes(encoding))
        click.echo(
            f"{out}: {sum(1 for _ in crl)} revoked, next update {crl.next_update_utc:%Y-%m-%d %H:%M} UTC"
        )
        return
    published = publish_due(authority, force=force)
    for kind, crl in (("base", published.base), ("delta", published.delta)):
        if crl is not None:
            _report(kind, crl)
    if published.base is None and published.delta is None:
        click.echo("nothing due (use --force to publish now)")
    if out is not None and current_crl(authority, "base") is not None:
        _write_atomically(out, _encoded(current_crl(authority, "base"), encoding))
    if directory is not None:
        for which, name in (("base", "crl"), ("delta", "delta.crl"), ("root", "root.crl")):
            der = current_crl(authority, which)
            if der is not None:
                _write_atomically(directory / name, _encoded(der, encoding))


def _print_status(ctx: Context) -> None:
    """The CRLs' status from the store; the CA's public files only (no key is loaded)."""
    from ca.crl import crl_status

    issuing_cert, root_cert = CertificateAuthority.read_chain(_ca_dir(ctx))
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "crl": entry.which,
            "number": entry.number,
            "base_number": entry.base_number,
            "this_update": entry.this_update.isoformat(),
            "next_update": entry.next_update.isoformat(),
            "age_seconds": int(entry.age(now).total_seconds()),
            "overdue": entry.overdue(now),
        }
        for entry in crl_status(_store(ctx), issuing_cert, root_cert)
    ]
    click.echo(json.dumps(rows, indent=2))


def _import_root_crl(ctx: Context, path: Path) -> None:
    from ca.crl import import_root_crl

    root_cert = CertificateAuthority.read_chain(_ca_dir(ctx))[1]
    with path.open("rb") as handle:
        data = handle.read(64 * 1024 * 1024 + 1)
    _report("root", import_root_crl(_store(ctx), root_cert, data))


def _publish_root_crl(ctx: Context, passphrase_file: Path | None, force: bool):
    """The root's CRL, signed with root.key.pem (the issuing key is not needed for it)."""
    from ca.authority import load_root_key
    from ca.crl import publish_root_crl

    passphrase = load_passphrase(passphrase_file)
    root_key = load_root_key(_ca_dir(ctx), passphrase)
    root_cert = CertificateAuthority.read_chain(_ca_dir(ctx))[1]
    return publish_root_crl(_store(ctx), root_cert, root_key, force=force)


def _encoded(der: bytes, encoding: serialization.Encoding) -> bytes:
    from cryptography import x509

    return (
        der if encoding == serialization.Encoding.DER else x509.load_der_x509_crl(der).public_bytes(encoding)
    )


def _report(kind: str, crl) -> None:
    from cryptography import x509

    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    click.echo(
        f"{kind} CRL #{number}: {sum(1 for _ in crl)} revoked, "
        f"next update {crl.next_update_utc:%Y-%m-%d %H:%M} UTC"
    )


@ca_group.command("tsa-init")
@click.option(
    "--policy",
    default=None,
    help="The time-stamp policy OID the TSA answers under (default: the national TSA's 1.2.398.3.3.2.6.1).",
)
@click.option("--accuracy", type=click.IntRange(1, 60), default=1, show_default=True, metavar="SECONDS")
@PASSPHRASE_FILE
@PIN_FILE
@pass_context
@_ca_errors_exit
def tsa_init_command(
    ctx: Context, policy: str | None, accuracy: int, passphrase_file: Path | None, pin_file: Path | None
) -> None:
    """Create the time-stamping authority: its key (encrypted with the CA passphrase) and its
    certificate from the issuing CA with the critical extended key usage timeStamping."""
    from ca.tsa import DEFAULT_POLICY, TsaSettings, create_tsa

    try:
        settings = TsaSettings(policy=policy or DEFAULT_POLICY, accuracy_seconds=accuracy)
    except CAError as exc:
        _fail(str(exc), 2)
    authority = _load_authority(ctx, passphrase_file, pin_file)
    certificate = create_tsa(authority, _ca_dir(ctx), load_passphrase(passphrase_file), settings)
    click.echo(f"TSA created: {certificate.subject.rfc4514_string()}, policy {settings.policy}")


@ca_group.command("timestamp")
@click.option(
    "--request",
    "request_file",
    type=click.File("rb"),
    required=True,
    help="A DER TimeStampReq (e.g. from `openssl ts -query`), or - for standard input.",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="TimeStampResp file to write.")
@PASSPHRASE_FILE
@PIN_FILE
@pass_context
@_ca_errors_exit
def timestamp_command(
    ctx: Context, request_file, out: Path, passphrase_file: Path | None, pin_file: Path | None
) -> None:
    """Answer an RFC 3161 time-stamp request, as POST /pki/tsp does; the TSA is created on first use.

    Exit 0 with a granted reply, 1 with a rejection (the reply, written all the same, says why)."""
    from ca.tsa import MAX_REQUEST_BYTES, open_tsa, reply_outcome

    _check_writable(out)
    data = request_file.read(MAX_REQUEST_BYTES + 1)
    authority = _load_authority(ctx, passphrase_file, pin_file)
    reply = open_tsa(authority, _ca_dir(ctx), load_passphrase(passphrase_file)).respond(data)
    _write_atomically(out, reply)
    granted, outcome = reply_outcome(reply)
    if not granted:
        _fail(f"request {outcome}", 1)
    click.echo(f"{out}: granted")


def _add_renewals() -> None:
    from eds_toolkit.cli.ca_renewals import renewals_group

    ca_group.add_command(renewals_group)


_add_renewals()

COMMANDS: list[click.Command] = [ca_group]
