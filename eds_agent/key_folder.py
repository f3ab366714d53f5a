"""The citizen's key store folder: find the PKCS#12 keystores, unlock them, pick the signer.

The filters are NCALayer's ``signerParams`` (extended-key-usage OIDs, IIN, serial number) and the
commonUtils key types (SIGNATURE / AUTHENTICATION). Certificates inside our keystores are
encrypted, so the folder's password is asked first, then the citizen chooses among the keys
that match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from eds_agent.confirmation import Confirmer
from eds_agent.errors import CancelledByUser, NoSuitableKey, WrongKeystorePassword
from eds_agent.questions import KeyOption, KeyQuestion, PasswordQuestion, SigningRequest
from national_profile.iin import iin_of
from national_profile.profiles import Profile, profile_of

CLIENT_AUTH = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string
EMAIL_PROTECTION = ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string
AUTH_FILE_PREFIX = "AUTH_"


class KeyType(StrEnum):
    """commonUtils' key types: SIGNATURE keys sign documents, AUTHENTICATION keys log in."""

    SIGNATURE = "SIGNATURE"
    AUTHENTICATION = "AUTHENTICATION"


def extended_key_usages(certificate: x509.Certificate) -> set[str]:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return set()
    return {oid.dotted_string for oid in usage}


def key_type_of(certificate: x509.Certificate) -> KeyType:
    return KeyType.AUTHENTICATION if profile_of(certificate) is Profile.AUTH else KeyType.SIGNATURE


@dataclass(frozen=True)
class SignerFilter:
    """Which certificates may sign: all given EKU OIDs present, IIN / serial equal, right key type."""

    ext_key_usage_oids: tuple[str, ...] = ()
    iin: str | None = None
    serial_number: str | None = None
    key_type: KeyType | None = None
    allow_expired: bool = False

    def matches(self, certificate: x509.Certificate, *, now: dt.datetime | None = None) -> bool:
        now = now or dt.datetime.now(dt.UTC)
        if not self.allow_expired and not (
            certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
        ):
            return False
        if not set(self.ext_key_usage_oids) <= extended_key_usages(certificate):
            return False
        if self.iin and iin_of(certificate.subject) != self.iin:
            return False
        if self.serial_number and int(self.serial_number, 16) != certificate.serial_number:
            return False
        return self.key_type is None or key_type_of(certificate) is self.key_type

    def may_be_in(self, path: Path) -> bool:
        """Cheap pre-filter by file name (AUTH_RSA256_... holds an AUTH key), before unlocking."""
        wants_auth = self.key_type is KeyType.AUTHENTICATION or CLIENT_AUTH in self.ext_key_usage_oids
        wants_sign = self.key_type is KeyType.SIGNATURE or EMAIL_PROTECTION in self.ext_key_usage_oids
        is_auth = path.name.startswith(AUTH_FILE_PREFIX)
        return not ((wants_auth and not is_auth) or (wants_sign and is_auth))

    def describe(self) -> str:
        parts = []
        if self.key_type:
            parts.append(f"key type {self.key_type.value}")
        if self.ext_key_usage_oids:
            parts.append("key usages " + ", ".join(self.ext_key_usage_oids))
        if self.iin:
            parts.append(f"IIN {self.iin}")
        if self.serial_number:
            parts.append(f"serial {self.serial_number}")
        return "; ".join(parts) or "any valid key"


@dataclass(frozen=True)
class UnlockedKey:
    """A keystore opened with the citizen's password. Lives only in the agent's memory."""

    path: Path
    key: PrivateKeyTypes
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    def option(self) -> KeyOption:
        """How the key is shown when the citizen chooses one."""
        subject = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        name = str(subject[0].value) if subject else self.certificate.subject.rfc4514_string()
        kind = "AUTH" if key_type_of(self.certificate) is KeyType.AUTHENTICATION else "SIGN"
        return KeyOption(
            kind=kind,
            owner=name,
            iin=iin_of(self.certificate.subject),
            valid_from=self.certificate.not_valid_before_utc.date(),
            valid_to=self.certificate.not_valid_after_utc.date(),
            file_name=self.path.name,
        )


class KeyFolder:
    """The folder holding the citizen's ``.p12`` keystores."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def keystore_files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob("*.p12") if p.is_file() and not p.name.startswith("."))

    def unlock(self, files: list[Path], password: str) -> tuple[list[UnlockedKey], int]:
        """Open each file with ``password``; return what opened and how many refused the password."""
        from keystore.errors import CorruptKeystore, WrongPassword
        from keystore.pkcs12 import open_keystore

        opened: list[UnlockedKey] = []
        refused = 0
        for path in files:
            try:
                store = open_keystore(path.read_bytes(), password)
            except WrongPassword:
                refused += 1
                continue
            except (CorruptKeystore, OSError):
                continue
            opened.append(UnlockedKey(path, store.key, store.certificate, list(store.chain)))
        return opened, refused

    def select_signer(
        self, wanted: SignerFilter, confirmer: Confirmer, origin: str, request: SigningRequest
    ) -> UnlockedKey:
        """Ask the folder's password, keep the keys matching ``wanted``, let the citizen choose one."""
        files = [p for p in self.keystore_files() if wanted.may_be_in(p)]
        if not files:
            raise NoSuitableKey(
                f"No keystore (.p12) for {wanted.describe()} in {self.directory}. "
                "Get your certificates first, or start eds agent with --store pointing at your keys."
            )
        password = confirmer.password(PasswordQuestion(origin, request, self.directory))
        if password is None:
            raise CancelledByUser("The citizen cancelled.")
        opened, refused = self.unlock(files, password)
        if not opened and refused:
            raise WrongKeystorePassword(
                "The password does not open your keystores. Passwords are case-sensitive; try again."
            )
        matching = [key for key in opened if wanted.matches(key.certificate)]
        if not matching:
            raise NoSuitableKey(f"None of your keys matches what the site asks for ({wanted.describe()}).")
        choice = confirmer.choose_key(KeyQuestion(origin, request, tuple(key.option() for key in matching)))
        if choice is None:
            raise CancelledByUser("The citizen cancelled.")
        return matching[choice]
