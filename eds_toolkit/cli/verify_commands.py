"""`eds verify` (a CMS signature or a signed XML document) and `eds verify-cert` (a certificate):
verdicts as text or JSON.

Exit status: 0 valid, 1 not valid (the verdict says why), 2 bad input (unreadable file, bad option,
a malformed or unsupported signature or certificate: said as such, in JSON too with ``--format json``).
A CMS with several signers gets one verdict per signer; it is valid when every signer's is.
Without ``--trust`` the instance's own test CA root (``<home>/ca``) is the trust root. Revocation is
checked when a CRL or OCSP response is given (``--revocation auto``) or asked for; otherwise the
verdict says it was not checked.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from cryptography import x509

from ca.errors import CAError
from eds_toolkit.cli import Context, pass_context
from eds_toolkit.signatures import (
    REVOCATION_MODES,
    CmsVerdict,
    SignatureInputError,
    verify_certificate,
    verify_cms_signers,
)
from eds_toolkit.signatures.cms_reader import MAX_CMS_BYTES
from eds_toolkit.signatures.verify_xml import verify_xml

VALID, INVALID, BAD_INPUT = 0, 1, 2
MAX_CONTENT_BYTES = 100 * 1024 * 1024


def _files_option(flag: str, name: str, description: str):
    """A repeatable option naming files."""
    files = click.Path(dir_okay=False, path_type=Path)
    return click.option(flag, name, multiple=True, type=files, help=description)


def _options(command):
    """The options both commands share, named as everywhere else."""
    decorators = [
        click.option(
            "--at", "at", help="Check as of this time (ISO 8601, e.g. 2022-06-01T00:00:00Z). Default: now."
        ),
        _files_option(
            "--trust",
            "trust",
            "Trusted root certificate(s), PEM or DER; repeatable. Default: this instance's CA root.",
        ),
        _files_option("--crl", "crls", "A CRL (DER or PEM); repeatable."),
        _files_option("--ocsp", "ocsps", "An OCSP response (DER); repeatable."),
        click.option(
            "--revocation",
            type=click.Choice(REVOCATION_MODES),
            help="Revocation source required. Default: auto when --crl/--ocsp is given, else none.",
        ),
        click.option(
            "--require-profile",
            type=click.Choice(["sign", "auth"]),
            help="Refuse any other certificate profile.",
        ),
        click.option(
            "--enforce-iin-check-digit", is_flag=True, help="Refuse IINs that fail the check digit."
        ),
        click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text"),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


class BadInput(click.ClickException):
    exit_code = BAD_INPUT


def _read(path: Path, what: str, limit: int) -> bytes:
    try:
        if path.stat().st_size > limit:
            raise BadInput(f"The {what} {path} is larger than {limit // (1024 * 1024)} MiB.")
        return path.read_bytes()
    except OSError as error:
        raise BadInput(f"Cannot read the {what} {path}: {error.strerror}.") from None


def _certificates(path: Path) -> list[x509.Certificate]:
    data = _read(path, "certificate file", 1024 * 1024)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except (ValueError, x509.InvalidVersion):
        raise BadInput(f"{path} is not a certificate (PEM or DER).") from None


def _trust_roots(ctx: Context, trust: tuple[Path, ...]) -> list[x509.Certificate]:
    if trust:
        return [certificate for path in trust for certificate in _certificates(path)]
    from ca.authority import CertificateAuthority  # the CA's code (and SQLAlchemy) only when no --trust

    try:
        return CertificateAuthority.read_chain(ctx.home / "ca")[-1:]
    except CAError:
        raise BadInput("No --trust root given and this instance has no CA: pass --trust ROOT.pem.") from None


def _moment(at: str | None) -> dt.datetime | None:
    if at is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        raise BadInput(f"--at {at!r} is not an ISO 8601 time (e.g. 2022-06-01T00:00:00Z).") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _common(
    ctx: Context, *, at, trust, crls, ocsps, revocation, require_profile, enforce_iin_check_digit
) -> dict:
    """The verifier's keyword arguments from the options of ``_options`` (all but --format)."""
    return {
        "trust_roots": _trust_roots(ctx, trust),
        "at": _moment(at),
        "crls": [_read(path, "CRL", MAX_CMS_BYTES) for path in crls],
        "ocsp_responses": [_read(path, "OCSP response", MAX_CMS_BYTES) for path in ocsps],
        "revocation": revocation or ("auto" if crls or ocsps else "none"),
        "required_profile": require_profile,
        "enforce_iin_check_digit": enforce_iin_check_digit,
    }


def _input_error(error: SignatureInputError, output_format: str) -> click.ClickException:
    """Input that cannot be checked: exit 2, with its kind (malformed, unsupported, unusable)."""
    if output_format == "json":
        click.echo(json.dumps({"ok": False, "input": error.kind, "message": str(error)}, ensure_ascii=False))
        return click.exceptions.Exit(BAD_INPUT)
    return BadInput(f"{error.kind.upper()}: {error}")


def _report(verdict, output_format: str, holder) -> None:
    if output_format == "json":
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("VALID" if verdict.ok else "NOT VALID")
        _print_details(verdict, holder)
    raise click.exceptions.Exit(VALID if verdict.ok else INVALID)


def _report_signers(verdict: CmsVerdict, output_format: str) -> None:
    """One signer: reported as before; several: each signer's verdict, valid only when all are."""
    if len(verdict.signers) == 1:
        _report(verdict.signers[0], output_format, verdict.signers[0].signer)
    if output_format == "json":
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        valid = sum(signer.ok for signer in verdict.signers)
        click.echo(
            f"{'VALID' if verdict.ok else 'NOT VALID'} ({valid} of {len(verdict.signers)} signers valid)"
        )
        for index, signer in enumerate(verdict.signers, start=1):
            click.echo(f"Signer {index}:   {'VALID' if signer.ok else 'NOT VALID'}")
            _print_details(signer, signer.signer)
    raise click.exceptions.Exit(VALID if verdict.ok else INVALID)


def _print_details(verdict, holder) -> None:
    """The verdict's facts, one line each (the CLI's text format)."""
    if holder is not None:
        profile = holder.profile_label
        click.echo(f"Holder:     {holder.common_name} (IIN {holder.iin}), {profile} certificate")
        click.echo(f"Serial:     {holder.serial}")
    signing_time = getattr(verdict, "signing_time", None)
    if signing_time is not None:
        click.echo(f"Signed at:  {signing_time:%Y-%m-%d %H:%M:%S} UTC (as the signer claims)")
    click.echo(f"Checked at: {verdict.checked_at:%Y-%m-%d %H:%M:%S} UTC")
    for index, subject in enumerate(verdict.chain):
        click.echo(f"Chain {index}:    {subject}")
    revocation = verdict.revocation
    click.echo(f"Revocation: {revocation.status} ({revocation.source}) {revocation.detail}".rstrip())
    timestamp = getattr(verdict, "timestamp", None)
    if timestamp is not None:
        click.echo(f"Timestamp:  {timestamp.gen_time:%Y-%m-%d %H:%M:%S} UTC, imprint {timestamp.imprint}")
        if timestamp.verified:
            click.echo("            verified: the proof of time (the certificate was checked as of it)")
        elif timestamp.verified is False:
            click.echo(f"            not used as the proof of time: {timestamp.problem}")
    for reason, message in zip(verdict.reasons, verdict.messages, strict=True):
        click.echo(f"Refused:    {reason.value}: {message}")


def _report_xml(verdict, output_format: str) -> None:
    """An XML document's verdict: every signature's block, numbered when there are several."""
    if output_format == "json":
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("VALID" if verdict.ok else "NOT VALID")
        count = len(verdict.signatures)
        for index, signature in enumerate(verdict.signatures, start=1):
            if count > 1:
                click.echo(f"XML signature {index} of {count}: {'valid' if signature.ok else 'NOT valid'}")
            _print_details(signature, signature.signer)
    raise click.exceptions.Exit(VALID if verdict.ok else INVALID)


def looks_like_xml(data: bytes) -> bool:
    """A signed XML document rather than a CMS (DER, PEM or base64 never start with '<')."""
    text = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff"))


@click.command("verify")
@click.argument("cms_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--content",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The signed file, for a detached signature.",
)
@_options
@pass_context
def verify_command(
    ctx: Context,
    cms_file: Path,
    content: Path | None,
    output_format: str,
    **shared,
) -> None:
    """Verify a CMS signature (DER, PEM or base64), each of its signers, or a signed XML document
    (XMLDSig): exit 0 valid, 1 not valid, 2 bad input."""
    cms = _read(cms_file, "signature file", MAX_CMS_BYTES)
    signed = _read(content, "content file", MAX_CONTENT_BYTES) if content is not None else None
    options = _common(ctx, **shared)
    if looks_like_xml(cms):
        if signed is not None:
            raise BadInput("An XML signature is inside the document it signs: --content is not used.")
        try:
            xml_verdict = verify_xml(cms, **options)
        except SignatureInputError as error:
            raise _input_error(error, output_format) from None
        _report_xml(xml_verdict, output_format)
    try:
        verdict = verify_cms_signers(cms, content=signed, **options)
    except SignatureInputError as error:
        raise _input_error(error, output_format) from None
    _report_signers(verdict, output_format)


@click.command("verify-cert")
@click.argument("certificate_file", type=click.Path(dir_okay=False, path_type=Path))
@_files_option(
    "--intermediate",
    "intermediates",
    "An intermediate CA certificate (PEM or DER) for the path to --trust; repeatable.",
)
@_options
@pass_context
def verify_certificate_command(
    ctx: Context,
    certificate_file: Path,
    intermediates: tuple[Path, ...],
    output_format: str,
    **shared,
) -> None:
    """Verify a certificate (PEM or DER) as of a time: exit 0 valid, 1 not valid, 2 bad input.

    Certificates after the first in the file are taken as intermediates too."""
    certificates = _certificates(certificate_file)
    given = [certificate for path in intermediates for certificate in _certificates(path)]
    options = _common(ctx, **shared)
    try:
        verdict = verify_certificate(certificates[0], intermediates=[*certificates[1:], *given], **options)
    except SignatureInputError as error:
        raise _input_error(error, output_format) from None
    _report(verdict, output_format, verdict.holder)


COMMANDS = [verify_command, verify_certificate_command]
