"""`eds keystore` commands: a citizen's key + request, the PKCS#12 keystore, and a look inside one.

Passwords come from a hidden prompt or ``--password-file`` (first line), never from the command line.
Exit status: 0 done, 1 refused (wrong or weak password, key/certificate mismatch, file exists),
2 bad input (unreadable or damaged file, invalid IIN or name, unsupported key).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import click
from cryptography import x509

from keystore.certificate_details import algorithm_tag
from keystore.csr import build_csr, csr_pem
from keystore.errors import (
    CorruptKeystore,
    InvalidPersonData,
    KeyCertificateMismatch,
    KeystoreError,
    KeystoreExists,
    UnsupportedKey,
    WeakPassword,
    WrongPassword,
)
from keystore.files import write_new_file
from keystore.keys import ALGORITHMS, encrypt_private_key, generate_private_key, load_private_key
from keystore.password_policy import check_password
from keystore.pkcs12 import KeystoreInfo, build_keystore, inspect_keystore, write_keystore

REFUSED = 1
BAD_INPUT = 2
_REFUSALS = (WrongPassword, WeakPassword, KeyCertificateMismatch, KeystoreExists)
_BAD_INPUT = (CorruptKeystore, InvalidPersonData, UnsupportedKey)


class CommandFailed(click.ClickException):
    """A refusal or bad input: click prints ``Error: <message>`` on stderr and exits with the code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def _keystore_errors() -> Iterator[None]:
    try:
        yield
    except _REFUSALS as error:
        raise CommandFailed(str(error), REFUSED) from None
    except _BAD_INPUT as error:
        raise CommandFailed(str(error), BAD_INPUT) from None
    except KeystoreError as error:
        raise CommandFailed(str(error), REFUSED) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise CommandFailed(f"{where}{error.strerror or error}.", BAD_INPUT) from None


def _read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise CommandFailed(f"Cannot read the {what} {path}: {error.strerror}.", BAD_INPUT) from None


def _password(password_file: Path | None, *, confirm: bool) -> str:
    if password_file is None:
        return click.prompt("Keystore password", hide_input=True, confirmation_prompt=confirm, err=True)
    lines = _read_file(password_file, "password file").decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise CommandFailed(
            f"The password file {password_file} is empty: put the password on its first line.", 2
        )
    return lines[0]


def _certificates(path: Path, what: str) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(_read_file(path, what))
    except ValueError:
        certificates = []
    if not certificates:
        raise CommandFailed(f"{path} holds no PEM certificate: give the {what} as PEM.", BAD_INPUT)
    return certificates


password_file_option = click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the password from the first line of FILE (for scripts) instead of prompting.",
)


@click.group("keystore")
def keystore_group() -> None:
    """Citizen side: key pair and request, PKCS#12 keystore, inspection."""


@keystore_group.command("new")
@click.option("--iin", required=True, help="The person's 12-digit IIN.")
@click.option("--surname", required=True)
@click.option("--given-name", required=True)
@click.option("--patronymic", default=None)
@click.option("--profile", type=click.Choice(["auth", "sign"]), required=True)
@click.option("--algorithm", type=click.Choice(ALGORITHMS), default="rsa2048", show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for both files."
)
@password_file_option
def new_command(
    iin: str,
    surname: str,
    given_name: str,
    patronymic: str | None,
    profile: str,
    algorithm: str,
    out_dir: Path,
    password_file: Path | None,
) -> None:
    """Make a key pair and its request: writes the encrypted key (.key) and the CSR (.csr) into --out."""
    if out_dir.exists() and not out_dir.is_dir():
        raise CommandFailed(f"{out_dir} is a file; --out must be a folder.", BAD_INPUT)
    with _keystore_errors():
        key = generate_private_key(algorithm)
        request = build_csr(key, iin=iin, surname=surname, given_name=given_name, patronymic=patronymic)
        password = _password(password_file, confirm=True)
        check_password(password, iin=iin.strip())
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest.hex()
        stem = f"{'AUTH_' if profile == 'auth' else ''}{algorithm_tag(key.public_key())}_{key_id}"
        key_path = write_new_file(out_dir / f"{stem}.key", encrypt_private_key(key, password))
        try:
            csr_path = write_new_file(out_dir / f"{stem}.csr", csr_pem(request), mode=0o644)
        except BaseException:
            key_path.unlink()
            raise
    click.echo(f"key: {key_path}")
    click.echo(f"csr: {csr_path}")


@keystore_group.command("build")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--cert", "cert_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--chain", "chain_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="FILE.p12, or a folder.")
@password_file_option
def build_command(
    key_file: Path, cert_file: Path, chain_file: Path, out: Path, password_file: Path | None
) -> None:
    """Put the key, its issued certificate and the CA chain into a .p12 under the key's password.

    When --out is a folder the file is named like the national CA's: AUTH_RSA256_<SKI>.p12 / RSA256_<SKI>.p12.
    """
    key_pem = _read_file(key_file, "key file")
    certificate = _certificates(cert_file, "certificate")[0]
    chain = _certificates(chain_file, "CA chain")
    password = _password(password_file, confirm=False)
    with _keystore_errors():
        key = load_private_key(key_pem, password)
        if out.is_dir():
            path = write_keystore(out, key, certificate, chain, password)
        else:
            path = write_new_file(out, build_keystore(key, certificate, chain, password))
    click.echo(str(path))


def _validity_status(info: KeystoreInfo, now: dt.datetime) -> str:
    if now < info.not_before:
        return "not yet valid"
    if now > info.not_after:
        return "EXPIRED"
    return f"valid, {(info.not_after - now).days} days left"


def _text_report(info: KeystoreInfo) -> str:
    def when(moment: dt.datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M:%S} UTC"

    def protection(items) -> str:
        return "; ".join(f"{p.scheme}, {p.iterations:,} iterations" for p in items) or "none"

    rows = [
        ("Owner", info.owner),
        ("Patronymic", info.patronymic or "-"),
        ("IIN", info.iin or "-"),
        ("Profile", info.profile or "-"),
        ("Serial number", info.serial_number),
        (
            "Valid",
            f"{when(info.not_before)} to {when(info.not_after)} "
            f"({_validity_status(info, dt.datetime.now(dt.UTC))})",
        ),
        ("Issuer", info.issuer),
        ("Chain", " -> ".join(info.chain) or "(not included)"),
        ("Key", f"{info.key_algorithm} {info.key_size} bits"),
        ("Signature", info.signature_algorithm),
        ("Alias (friendlyName)", info.friendly_name or "-"),
        ("localKeyID", info.local_key_id or "-"),
        ("Key protection", protection(info.key_protection)),
        ("Certificate protection", protection(info.certificate_protection)),
        (
            "MAC",
            f"{info.mac_algorithm}, {info.mac_iterations:,} iterations" if info.mac_algorithm else "none",
        ),
        ("Usual file name", info.file_name_expected),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label + ':':<{width + 1}} {value}" for label, value in rows)


@keystore_group.command("inspect")
@click.argument("keystore_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@password_file_option
def inspect_command(keystore_file: Path, output_format: str, password_file: Path | None) -> None:
    """Open a .p12 and show owner, IIN, profile, validity, issuer, algorithms and its protection."""
    data = _read_file(keystore_file, "keystore")
    password = _password(password_file, confirm=False)
    with _keystore_errors():
        info = inspect_keystore(data, password)
    if output_format == "json":
        click.echo(json.dumps(info.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(_text_report(info))


COMMANDS: list[click.Command] = [keystore_group]
