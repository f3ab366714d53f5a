"""The issuing CA's RSA key inside a PKCS#11 token (an HSM; SoftHSM2 in tests).

The key is generated in the token as sensitive and non-extractable, and never leaves it: signing sends
the to-be-signed bytes to the token (``CKM_SHA256_RSA_PKCS``) and gets the signature back.
:class:`TokenRSAKey` presents such a key as a :class:`cryptography` RSA private key, so the CA's
certificate, CRL and OCSP builders sign with it the same way they sign with a key from a file; its
``private_bytes`` and ``private_numbers`` refuse, as the token does.

Needs the optional ``hsm`` extra (``python-pkcs11``) and the token's PKCS#11 module.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from ca.errors import CAError, PassphraseMissing, WrongCAPassphrase

MIN_PIN_LENGTH = 4  # SoftHSM2's and most HSMs' minimum


class TokenError(CAError):
    """The PKCS#11 module or token cannot be used (not installed, no such token or key, device error)."""


class WrongCAPin(WrongCAPassphrase):
    """The token refused the user PIN (or has locked it)."""


class PinMissing(PassphraseMissing):
    """Neither ``EDS_CA_PIN`` nor a PIN file was given, or the PIN is unusable."""


def load_pin(pin_file: Path | None) -> str:
    """The token's user PIN: the file's first line when a file is given, else ``$EDS_CA_PIN``."""
    if pin_file is not None:
        try:
            lines = Path(pin_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise PinMissing(f"Cannot read the PIN file {pin_file}: {exc.strerror}.") from None
        pin, source = (lines[0] if lines else ""), f"the PIN file {pin_file}"
    elif os.environ.get("EDS_CA_PIN"):
        pin, source = os.environ["EDS_CA_PIN"], "EDS_CA_PIN"
    else:
        raise PinMissing("No token PIN: set EDS_CA_PIN or pass --pin-file FILE (first line is used).")
    if len(pin) < MIN_PIN_LENGTH:
        raise PinMissing(f"The token PIN from {source} is shorter than {MIN_PIN_LENGTH} characters.")
    return pin


def _pkcs11() -> Any:
    try:
        import pkcs11
    except ImportError:
        raise TokenError(
            "This CA keeps its issuing key in a PKCS#11 token, but python-pkcs11 is not installed: "
            "pip install 'eds-toolkit[hsm]'."
        ) from None
    return pkcs11


_libraries: dict[str, Any] = {}
_libraries_lock = threading.Lock()


def _library(module_path: str) -> Any:
    """The loaded PKCS#11 module; loaded once per process (C_Initialize may run only once)."""
    pkcs11 = _pkcs11()
    with _libraries_lock:
        if module_path not in _libraries:
            if not Path(module_path).is_file():
                raise TokenError(
                    f"The PKCS#11 module {module_path} does not exist: install the token's software "
                    "(for SoftHSM2: apt-get install softhsm2) or fix --pkcs11-module / ca.json."
                )
            try:
                _libraries[module_path] = pkcs11.lib(module_path)
            except pkcs11.PKCS11Error as exc:
                raise TokenError(f"Cannot load the PKCS#11 module {module_path}: {exc}") from None
        return _libraries[module_path]


def _open_session(module_path: str, token_label: str, pin: str) -> Any:
    """A read/write session logged in as the token's user; token and PIN errors become CA errors."""
    pkcs11 = _pkcs11()
    exceptions = pkcs11.exceptions
    library = _library(module_path)
    try:
        token = library.get_token(token_label=token_label)
    except exceptions.NoSuchToken:
        raise TokenError(
            f"No token labelled {token_label!r} in {module_path}: check the label "
            "(softhsm2-util --show-slots / pkcs11-tool --list-slots)."
        ) from None
    except exceptions.MultipleTokensReturned:
        raise TokenError(f"More than one token is labelled {token_label!r}; labels must be unique.") from None
    try:
        return token.open(rw=True, user_pin=pin)
    except exceptions.PinLocked:
        raise WrongCAPin(
            f"The user PIN of token {token_label!r} is locked after too many wrong PINs: "
            "the security officer must unlock it."
        ) from None
    except (exceptions.PinIncorrect, exceptions.PinLenRange, exceptions.PinInvalid):
        raise WrongCAPin(
            f"The token {token_label!r} refused the PIN: check EDS_CA_PIN or the PIN file."
        ) from None
    except exceptions.PKCS11Error as exc:
        raise TokenError(f"Cannot open a session on token {token_label!r}: {type(exc).__name__}.") from None


_PIN_KEY = secrets.token_bytes(32)  # PINs are compared as keyed digests; the PIN itself is not kept


def _pin_digest(pin: str) -> bytes:
    return hmac.new(_PIN_KEY, pin.encode("utf-8"), hashlib.sha256).digest()


@dataclass
class _Login:
    """One logged-in session per token and process (a PKCS#11 login is shared by all its sessions)."""

    session: Any
    pin_digest: bytes
    lock: threading.Lock = field(default_factory=threading.Lock)


_logins: dict[tuple[str, str], _Login] = {}
_logins_lock = threading.Lock()


def _login(module_path: str, token_label: str, pin: str) -> _Login:
    """The process's session on the token; a PIN other than the one that logged in is refused.

    The token is logged in once: a second C_Login would fail with "already logged in" and check
    nothing, so a later caller's PIN is compared with the one the token accepted.
    """
    with _logins_lock:  # held while logging in, so two threads never both call C_Login
        login = _logins.get((module_path, token_label))
        if login is None:
            session = _open_session(module_path, token_label, pin)
            login = _logins[(module_path, token_label)] = _Login(session, _pin_digest(pin))
        elif not hmac.compare_digest(login.pin_digest, _pin_digest(pin)):
            raise WrongCAPin(f"The token {token_label!r} refused the PIN: check EDS_CA_PIN or the PIN file.")
        return login


class TokenRSAKey(rsa.RSAPrivateKey):
    """An RSA private key held in a token; only ``sign`` (PKCS#1 v1.5, SHA-256) works.

    Keys of one token share the process's logged-in session, used by one thread at a time (PKCS#11
    sessions are not thread-safe).
    """

    def __init__(self, login: _Login, private: Any, public: rsa.RSAPublicKey, label: str) -> None:
        self._session = login.session
        self._lock = login.lock
        self._private = private
        self._public = public
        self.label = label

    def sign(self, data: bytes, padding_: padding.AsymmetricPadding, algorithm: Any) -> bytes:
        if (
            not isinstance(padding_, padding.PKCS1v15)
            or isinstance(algorithm, Prehashed)
            or not isinstance(algorithm, hashes.SHA256)
        ):
            raise TokenError("The token key signs only RSA PKCS#1 v1.5 with SHA-256 (CKM_SHA256_RSA_PKCS).")
        pkcs11 = _pkcs11()
        try:
            with self._lock:
                return self._private.sign(bytes(data), mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS)
        except pkcs11.PKCS11Error as exc:
            raise TokenError(
                f"The token could not sign with key {self.label!r} ({type(exc).__name__}): nothing signed."
            ) from None

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def decrypt(self, ciphertext: bytes, padding_: padding.AsymmetricPadding) -> bytes:
        raise TokenError("The issuing CA key only signs; it does not decrypt.")

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        raise TokenError("The issuing CA key is inside the PKCS#11 token and cannot be exported.")

    def private_bytes(self, encoding: Any, format: Any, encryption_algorithm: Any) -> bytes:
        raise TokenError("The issuing CA key is inside the PKCS#11 token and cannot be exported.")

    def __copy__(self) -> TokenRSAKey:
        return self

    def __deepcopy__(self, memo: dict) -> TokenRSAKey:
        return self

    def destroy(self) -> None:
        """Delete the key pair from the token (used only to undo a CA creation that failed)."""
        pkcs11 = _pkcs11()
        with self._lock:
            for key in self._session.get_objects({pkcs11.Attribute.LABEL: self.label}):
                key.destroy()


def _public_key(pkcs11: Any, public: Any) -> rsa.RSAPublicKey:
    modulus = int.from_bytes(public[pkcs11.Attribute.MODULUS], "big")
    exponent = int.from_bytes(public[pkcs11.Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def generate_token_key(
    module_path: str, token_label: str, key_label: str, pin: str, bits: int
) -> TokenRSAKey:
    """Generate an RSA key pair inside the token: private half sensitive, non-extractable, sign-only.

    Refuses when the token already holds an object with ``key_label`` (a key is never replaced).
    """
    pkcs11 = _pkcs11()
    attribute = pkcs11.Attribute
    login = _login(module_path, token_label, pin)
    session = login.session
    if any(True for _ in session.get_objects({attribute.LABEL: key_label})):
        raise TokenError(
            f"Token {token_label!r} already holds a key labelled {key_label!r}; it is never replaced. "
            "Choose another --key-label."
        )
    try:
        public, private = session.generate_keypair(
            pkcs11.KeyType.RSA,
            bits,
            label=key_label,
            store=True,
            public_template={
                attribute.TOKEN: True,
                attribute.VERIFY: True,
                attribute.ENCRYPT: False,
                attribute.WRAP: False,
                attribute.PUBLIC_EXPONENT: (65537).to_bytes(3, "big"),
            },
            private_template={
                attribute.TOKEN: True,
                attribute.PRIVATE: True,
                attribute.SENSITIVE: True,
                attribute.EXTRACTABLE: False,
                attribute.SIGN: True,
                attribute.DECRYPT: False,
                attribute.UNWRAP: False,
                attribute.DERIVE: False,
            },
        )
    except pkcs11.PKCS11Error as exc:
        raise TokenError(f"The token could not generate the key pair: {type(exc).__name__}.") from None
    return TokenRSAKey(login, private, _public_key(pkcs11, public), key_label)


def open_token_key(module_path: str, token_label: str, key_label: str, pin: str) -> TokenRSAKey:
    """The RSA key pair labelled ``key_label`` in the token, logged in with ``pin``."""
    pkcs11 = _pkcs11()
    exceptions = pkcs11.exceptions
    login = _login(module_path, token_label, pin)
    session = login.session
    try:
        private = session.get_key(
            object_class=pkcs11.ObjectClass.PRIVATE_KEY, key_type=pkcs11.KeyType.RSA, label=key_label
        )
        public = session.get_key(
            object_class=pkcs11.ObjectClass.PUBLIC_KEY, key_type=pkcs11.KeyType.RSA, label=key_label
        )
    except exceptions.NoSuchKey:
        raise TokenError(
            f"Token {token_label!r} holds no RSA key pair labelled {key_label!r}: wrong token, or the key "
            "was deleted."
        ) from None
    except exceptions.MultipleObjectsReturned:
        raise TokenError(f"Token {token_label!r} holds more than one key labelled {key_label!r}.") from None
    return TokenRSAKey(login, private, _public_key(pkcs11, public), key_label)
