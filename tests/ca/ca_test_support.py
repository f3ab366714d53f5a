"""Helpers shared by the CA tests: test people, keys, CSRs, paths."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ca.person import Identification
from national_profile.iin import make_iin
from tests.evidence_free import StatedPerson

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"
NCA = TESTDATA.resolve() / "nca"
PASSPHRASE = b"test CA passphrase, long enough"
IIN = make_iin(dt.date(1990, 5, 17), "M", 1)
OTHER_IIN = make_iin(dt.date(1985, 1, 2), "F", 7)


def person(
    iin: str = IIN, identification: Identification = Identification.REMOTE_DIGITAL_ID, **names
) -> StatedPerson:
    """A test person as an identity proof that checks nothing (the proofs have their own tests)."""
    return StatedPerson(
        iin=iin,
        surname=names.get("surname", "Тестов"),
        given_name=names.get("given_name", "Тест"),
        patronymic=names.get("patronymic", "Тестович"),
        identification=identification,
    )


@functools.cache
def rsa_key(bits: int = 2048, index: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def make_csr(
    key=None, *, iin: str | None = IIN, common_name: str = "ignored by the CA", algorithm=None
) -> bytes:
    key = key or rsa_key()
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if iin is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attributes))
    return builder.sign(key, algorithm or hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def ec_key(curve) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve)


def count_records(store) -> int:
    return sum(1 for _ in store.list())
