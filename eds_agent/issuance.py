"""Issuance on the citizen's computer: the steps a portal drives through ``kz.eds.toolkit.issuance``.

1. :meth:`Issuance.choose_store` - the folder for the key store (default ``~/eds-keys``).
2. :meth:`Issuance.make_requests` - AUTH and SIGN key pairs and their CSRs. The keys wait in
   ``<store>/.pending/<enrolment>/`` encrypted under a random secret kept apart from them
   (``pending.py``: a 0600 record in the agent's own folder), so a restart loses nothing; the
   portal gets the two CSR PEMs. Asked again for the same enrolment, it hands back the same CSRs.
3. :meth:`Issuance.install_certificates` - the issued certificates + chain and the password the
   citizen invents become two ``.p12`` files (named by ``keystore.keystore_filename``); all or
   nothing; the pending keys and their record are then removed.

Private keys never leave this module unencrypted except inside the password-protected keystores.
"""

from __future__ import annotations

import errno
import logging
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from eds_agent.confirmation import Confirmer
from eds_agent.connection import Connection, current_connection
from eds_agent.errors import (
    BadCertificate,
    BadRequest,
    CancelledByUser,
    DiskFull,
    EnrolmentMismatch,
    KeystoreRefused,
    NoPendingRequest,
    StoreNotWritable,
    WeakKeystorePassword,
)
from eds_agent.key_folder import AUTH_FILE_PREFIX, KeyType, key_type_of
from eds_agent.pending import (
    PENDING_DIR,
    ROLES,
    PendingRecords,
    PendingRequest,
    remove_key_files,
    write_key_files,
)
from eds_agent.questions import FolderQuestion, MakeKeysQuestion, NewPasswordQuestion, SaveQuestion
from national_profile.iin import InvalidIIN, iin_of, parse_iin

__all__ = ["PENDING_DIR", "Issuance", "KeystoreWriter", "PendingRequest", "default_store", "storage_error"]

log = logging.getLogger(__name__)
# the portal's enrolment ids are URL-safe base64: they may start with "-" or "_"
_ENROLMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")  # fullmatch: "$" would let "id\n" through

KeystoreWriter = Callable[[Path, PrivateKeyTypes, x509.Certificate, list[x509.Certificate], str], Path]
"""``keystore.pkcs12.write_keystore``'s shape; tests inject one that fails (e.g. a full disk)."""


def default_store() -> Path:
    """Where keys go when the citizen does not choose: ``~/eds-keys``."""
    return Path.home() / "eds-keys"


def _default_writer(
    directory: Path,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    password: str,
) -> Path:
    from keystore.pkcs12 import write_keystore

    return write_keystore(directory, key, certificate, chain, password)


def storage_error(error: OSError, directory: Path) -> StoreNotWritable | DiskFull:
    """Turn an OS error while writing into the folder into the citizen's message."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(
            f"The disk holding {directory} is full. Free some space and try again; nothing was saved."
        )
    return StoreNotWritable(
        f"eds agent cannot write into {directory} ({error.strerror or error}). "
        "Choose another folder, or fix its permissions; nothing was saved."
    )


def _public_der(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_certificates(pem: Any, what: str) -> list[x509.Certificate]:
    if isinstance(pem, list):
        pem = "\n".join(str(item) for item in pem)
    if not isinstance(pem, str) or "BEGIN CERTIFICATE" not in pem:
        raise BadCertificate(f"The {what} is missing or not a PEM certificate.")
    try:
        return x509.load_pem_x509_certificates(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise BadCertificate(f"The {what} could not be read as a PEM certificate.") from None


class Issuance:
    """The agent's issuance state: the requests waiting for certificates, and the folder chosen by each
    page (its connection's, ``eds_agent.connection``; without a connection, this object's own)."""

    def __init__(
        self,
        confirmer: Confirmer,
        *,
        store: Path | None = None,
        key_algorithm: str = "rsa2048",
        writer: KeystoreWriter | None = None,
        state_dir: Path | None = None,
    ) -> None:
        """``state_dir`` keeps the waiting requests' records (``<home>/agent/pending``); None keeps
        them in memory only (a restart then forgets them)."""
        self._confirmer = confirmer
        self.preset_store = Path(store).expanduser() if store else None
        self._own = Connection()  # the choices of a caller without a connection
        self._key_algorithm = key_algorithm
        self._writer = writer or _default_writer
        self._pending = PendingRecords(state_dir)

    @property
    def _choices(self) -> Connection:
        return current_connection() or self._own

    @property
    def store(self) -> Path | None:
        """The folder the current page (connection) chose; None until it chooses."""
        return self._choices.folder

    # -- step 1 ---------------------------------------------------------------------------------
    def choose_store(self, path: str | Path | None = None, *, origin: str = "this computer") -> Path:
        """Confirm, create (0700) and check the folder for the keystores; remember it."""
        directory = Path(path).expanduser() if path else (self.preset_store or default_store())
        if not directory.is_absolute():
            raise BadRequest("The key store folder must be an absolute path.")
        chosen = self._confirmer.choose_folder(FolderQuestion(origin, directory))
        if chosen is None:
            raise CancelledByUser("The citizen cancelled.")
        directory = Path(chosen)
        if not directory.is_absolute():
            raise BadRequest("The key store folder must be an absolute path.")
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            probe = directory / f".eds-agent-probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"probe")
            probe.unlink()
        except OSError as error:
            raise storage_error(error, directory) from None
        self._choices.folder = directory
        return directory

    def _store_or_default(self, origin: str) -> Path:
        return self.store if self.store is not None else self.choose_store(origin=origin)

    # -- step 2 ---------------------------------------------------------------------------------
    def make_requests(
        self,
        enrolment_id: str,
        *,
        iin: str,
        surname: str,
        given_name: str,
        patronymic: str | None = None,
        origin: str = "this computer",
    ) -> dict[str, str]:
        """Make the AUTH and SIGN key pairs and return their CSRs (PEM); keys stay here, encrypted."""
        from keystore.csr import build_csr, csr_pem
        from keystore.errors import InvalidPersonData
        from keystore.keys import encrypt_private_key, generate_private_key

        enrolment_id = self._check_enrolment_id(enrolment_id)
        try:
            iin = parse_iin(str(iin)).value
        except InvalidIIN as error:
            raise BadRequest(str(error)) from None
        for label, value in (("surname", surname), ("given name", given_name)):
            if not isinstance(value, str) or not value.strip():
                raise BadRequest(f"The {label} is missing.")
        if patronymic is not None and not isinstance(patronymic, str):
            raise BadRequest("The patronymic must be text.")
        waiting = self._pending.get(enrolment_id)
        if waiting is not None:
            if waiting.iin != iin:
                raise EnrolmentMismatch(
                    f"eds agent already holds keys for enrolment {enrolment_id} of another person. "
                    "Reload the page and try again."
                )
            same = self._waiting_requests(waiting)
            if same is not None:
                # Another tab, a reload or a restarted agent: the same keys, so one issued pair fits.
                log.info("makeRequests again for a waiting enrolment: the same requests are returned")
                return same
            log.warning("the keys waiting for an enrolment are gone or damaged: new ones are made")
            remove_key_files(waiting)
            self._pending.remove(enrolment_id)
        directory = self._store_or_default(origin)
        if not self._confirmer.confirm(MakeKeysQuestion(origin, iin, directory)):
            raise CancelledByUser("The citizen cancelled.")

        secret = secrets.token_urlsafe(32)
        keys = {role: generate_private_key(self._key_algorithm) for role in ("auth", "sign")}
        names = {"iin": iin, "surname": surname, "given_name": given_name, "patronymic": patronymic or None}
        try:
            csrs = {role: csr_pem(build_csr(key, **names)) for role, key in keys.items()}
        except InvalidPersonData as error:
            raise BadRequest(str(error)) from None
        request = PendingRequest(enrolment_id, iin, directory, secret)
        try:
            write_key_files(request, {r: encrypt_private_key(k, secret) for r, k in keys.items()}, csrs)
        except OSError as error:
            raise storage_error(error, directory) from None
        try:
            self._pending.put(request)
        except OSError as error:
            remove_key_files(request)
            raise storage_error(error, self._pending.state_dir or directory) from None
        return _requests_answer(request, {role: csrs[role].decode() for role in ROLES})

    @staticmethod
    def _waiting_requests(waiting: PendingRequest) -> dict[str, str] | None:
        """The CSRs of keys still waiting intact (each key opens and matches its CSR), else None."""
        from keystore.errors import KeystoreError
        from keystore.keys import load_private_key

        csrs: dict[str, str] = {}
        try:
            for role in ROLES:
                pem = (waiting.key_dir / f"{role}.csr.pem").read_bytes()
                key = load_private_key((waiting.key_dir / f"{role}.key.pem").read_bytes(), waiting.secret)
                if _public_der(x509.load_pem_x509_csr(pem).public_key()) != _public_der(key.public_key()):
                    return None
                csrs[role] = pem.decode("ascii")
        except (OSError, ValueError, x509.InvalidVersion, KeystoreError):
            return None
        return _requests_answer(waiting, csrs)

    # -- step 3 ---------------------------------------------------------------------------------
    def install_certificates(
        self,
        enrolment_id: str,
        *,
        auth_certificate: str,
        sign_certificate: str,
        chain: str | list[str],
        password: str | None = None,
        origin: str = "this computer",
    ) -> dict[str, Any]:
        """Check the certificates against the pending keys, then write both keystores or neither."""
        from keystore.errors import KeystoreError, WeakPassword
        from keystore.keys import load_private_key
        from keystore.password_policy import check_password

        enrolment_id = self._check_enrolment_id(enrolment_id)
        pending = self._pending.get(enrolment_id)
        if pending is None:
            raise NoPendingRequest(
                f"eds agent made no key requests for enrolment {enrolment_id} (or was restarted since). "
                "Make the requests again."
            )
        chain_certificates = _load_certificates(chain, "certificate chain")
        issued = {
            "auth": _load_certificates(auth_certificate, "AUTH certificate")[0],
            "sign": _load_certificates(sign_certificate, "SIGN certificate")[0],
        }
        key_dir = pending.key_dir
        try:
            keys = {
                role: load_private_key((key_dir / f"{role}.key.pem").read_bytes(), pending.secret)
                for role in issued
            }
        except (OSError, KeystoreError):
            raise NoPendingRequest(
                f"The keys made for enrolment {enrolment_id} are gone or damaged in {pending.directory}. "
                "Make the requests again."
            ) from None
        for role, certificate in issued.items():
            self._check_certificate(role, certificate, keys[role], pending, chain_certificates)

        if password is None:
            password = self._confirmer.new_password(
                NewPasswordQuestion(origin, pending.directory, pending.iin)
            )
            if password is None:
                raise CancelledByUser("The citizen cancelled.")
        if not isinstance(password, str):
            raise BadRequest("The password must be text.")
        try:
            check_password(password, iin=pending.iin)
        except WeakPassword as error:
            raise WeakKeystorePassword(str(error)) from None
        if not self._confirmer.confirm(SaveQuestion(origin, pending.directory)):
            raise CancelledByUser("The citizen cancelled.")

        written: list[Path] = []
        try:
            for role in ("auth", "sign"):
                written.append(
                    self._writer(pending.directory, keys[role], issued[role], chain_certificates, password)
                )
        except (OSError, KeystoreError) as error:
            for path in written:
                path.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise storage_error(error, pending.directory) from None
            raise KeystoreRefused(f"{error} Nothing was saved.") from None
        self._pending.remove(enrolment_id)  # first: without it, leftover key files open for no one
        remove_key_files(pending)
        return {"folder": str(pending.directory), "files": [str(p) for p in written]}

    @staticmethod
    def _check_certificate(
        role: str,
        certificate: x509.Certificate,
        key: PrivateKeyTypes,
        pending: PendingRequest,
        chain: list[x509.Certificate],
    ) -> None:
        label = role.upper()
        if _public_der(certificate.public_key()) != _public_der(key.public_key()):
            raise EnrolmentMismatch(
                f"The {label} certificate is not for the key made for enrolment {pending.enrolment_id}."
            )
        if iin_of(certificate.subject) != pending.iin:
            raise EnrolmentMismatch(
                f"The {label} certificate names another person than enrolment {pending.enrolment_id}."
            )
        expected = KeyType.AUTHENTICATION if role == "auth" else KeyType.SIGNATURE
        if key_type_of(certificate) is not expected:
            raise BadCertificate(f"The {label} certificate is not an {label} certificate.")
        try:
            certificate.verify_directly_issued_by(chain[0])
        except (InvalidSignature, ValueError, TypeError, IndexError) as error:
            raise BadCertificate(f"The {label} certificate was not issued by the given chain.") from error

    # -- reading --------------------------------------------------------------------------------
    def list_keys(self) -> dict[str, Any]:
        """The keystores in the folder (by name: no password needed) and the requests waiting."""
        directory = self.store or self.preset_store or default_store()
        files = sorted(directory.glob("*.p12")) if directory.is_dir() else []
        return {
            "folder": str(directory),
            "keystores": [
                {"file": p.name, "type": "AUTH" if p.name.startswith(AUTH_FILE_PREFIX) else "SIGN"}
                for p in files
            ],
            "pending": self._pending.ids(),
        }

    @staticmethod
    def _check_enrolment_id(enrolment_id: Any) -> str:
        if not isinstance(enrolment_id, str) or not _ENROLMENT_ID.fullmatch(enrolment_id):
            raise BadRequest("The enrolment id is missing or malformed (letters, digits, '-' and '_').")
        return enrolment_id


def _requests_answer(request: PendingRequest, csrs: dict[str, str]) -> dict[str, str]:
    """``makeRequests``' result: the two CSRs and the folder where their keys wait."""
    return {
        "enrolmentId": request.enrolment_id,
        "authCsr": csrs["auth"],
        "signCsr": csrs["sign"],
        "folder": str(request.directory),
    }
