"""The national CA's GOST signatures: GOST 34.10-2015 (Streebog) and GOST 34.310-2004 (GOST 34.311-95).

The curve arithmetic is ``gostcrypto``'s (GOST 34.10-2012, the same scheme); the hashes are
gost-engine's: ``gost12sum`` (Streebog) and ``gostsum -t`` (GOST 34.311-95 = GOST R 34.11-94 with its
test parameters), from Debian's ``gostsum``. Without ``gost12sum`` Streebog is ``gostcrypto``'s (pure
Python, slower); without ``gostsum`` a GOST 34.310-2004 signature gets the verdict "unsupported".

Established on the national CA's own certificates, each verifying under its issuer's key: the public
key is an OCTET STRING of X || Y, the signature r || s, each number little-endian, and the digest is
read as a little-endian number. The curve is named by the key's parameter OID: the national CA's
2004 set is CryptoPro-A (= TC26 256 paramSetB), its 2015 512-bit set is TC26 512 paramSetA.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from asn1crypto import algos, core
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from gostcrypto import gosthash, gostsignature
from gostcrypto.gostsignature import CURVES_R_1323565_1_024_2019 as TC26_CURVES
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

from eds_toolkit.signatures.errors import SignatureInputError

GOST_34311_95 = "1.2.398.3.10.1.3.1"
STREEBOG_256 = "1.2.398.3.10.1.3.2"
STREEBOG_512 = "1.2.398.3.10.1.3.3"
GOST_34310_2004_SIGNATURE = "1.2.398.3.10.1.1.1.2"  # with GOST 34.311-95
GOST_2015_256_SIGNATURE = "1.2.398.3.10.1.1.2.3.1"  # with Streebog-256
GOST_2015_512_SIGNATURE = "1.2.398.3.10.1.1.2.3.2"  # with Streebog-512
GOST_KEY_PREFIX = "1.2.398.3.10.1.1."  # the national CA's GOST public key algorithms

DIGEST_NAMES = {
    GOST_34311_95: "GOST 34.311-95",
    STREEBOG_256: "GOST 34.11-2015 (Streebog-256)",
    STREEBOG_512: "GOST 34.11-2015 (Streebog-512)",
}
SIGNATURE_DIGESTS = {
    GOST_34310_2004_SIGNATURE: GOST_34311_95,
    GOST_2015_256_SIGNATURE: STREEBOG_256,
    GOST_2015_512_SIGNATURE: STREEBOG_512,
}
SIGNATURE_NAMES = {
    GOST_34310_2004_SIGNATURE: "GOST 34.310-2004",
    GOST_2015_256_SIGNATURE: "GOST 34.10-2015 (256 bits)",
    GOST_2015_512_SIGNATURE: "GOST 34.10-2015 (512 bits)",
}
# XMLDSig (the national CA's URIs; the SignatureValue is encoded as in X.509 and CMS, the DigestValue is
# the digest's bytes): established on NCANode's GOST-signed XML
_XML_ALGORITHMS = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:"
XML_SIGNATURE_METHODS = {f"{_XML_ALGORITHMS}gostr34102015-gostr34112015-512": GOST_2015_512_SIGNATURE}
XML_DIGEST_METHODS = {f"{_XML_ALGORITHMS}gostr34112015-512": STREEBOG_512}
_CURVES = {  # the key's parameter set OID -> gostcrypto's curve
    "1.2.398.3.10.1.1.1.1.1": TC26_CURVES["id-tc26-gost-3410-2012-256-paramSetB"],
    "1.2.398.3.10.1.1.2.2.1": TC26_CURVES["id-tc26-gost-3410-12-512-paramSetA"],
}
_PROGRAM_TIMEOUT_SECONDS = 120


class UnsupportedGostAlgorithm(SignatureInputError):
    """A GOST algorithm or parameter set this verifier cannot check (the message says which)."""


class _Gost3410(gostsignature.GOST34102012):
    """gostcrypto's GOST 34.10 with the modular inverse by Python's ``pow`` (its own recursion took
    two thirds of a verification's time)."""

    @staticmethod
    def _invert(value: int, n_mod: int) -> int:
        return pow(value, -1, n_mod)


@functools.cache
def _curve_checker(curve_oid: str) -> _Gost3410:
    curve = _CURVES[curve_oid]
    size = (curve["p"].bit_length() + 7) // 8
    return _Gost3410(gostsignature.MODE_512 if size == 64 else gostsignature.MODE_256, curve)


class _KeyParameters(core.Sequence):
    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _PublicKeyInfo(core.Sequence):  # asn1crypto's own refuses key algorithms it does not know
    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


def is_gost_signature(algorithm_oid: str) -> bool:
    """Is this signature algorithm one of the national CA's GOST ones?"""
    return algorithm_oid in SIGNATURE_DIGESTS


def is_gost_key(spki_der: bytes) -> bool:
    """Is this SubjectPublicKeyInfo a national CA GOST key?"""
    try:
        return _PublicKeyInfo.load(spki_der)["algorithm"]["algorithm"].dotted.startswith(GOST_KEY_PREFIX)
    except ValueError:
        return False


def spki_of(certificate: x509.Certificate) -> bytes:
    """The certificate's SubjectPublicKeyInfo DER, read without loading the key (GOST keys do not load)."""
    tbs = asn1_x509.TbsCertificate.load(certificate.tbs_certificate_bytes)
    return tbs["subject_public_key_info"].dump()


def digest(algorithm_oid: str, data: bytes) -> bytes:
    """The GOST digest of ``data`` (byte order as the standards and CMS messageDigest have it)."""
    if algorithm_oid == GOST_34311_95:
        program = shutil.which("gostsum")
        if program is None:
            raise UnsupportedGostAlgorithm(
                "unsupported algorithm: GOST 34.310-2004 (its GOST 34.311-95 hash needs gost-engine's "
                "gostsum program: Debian package gostsum)"
            )
        return _run_program([program, "-t"], data)[::-1]  # gostsum prints the hash as a number
    if algorithm_oid in (STREEBOG_256, STREEBOG_512):
        wide = algorithm_oid == STREEBOG_512
        program = shutil.which("gost12sum")
        if program is not None:
            return _run_program([program, "-l"] if wide else [program], data)
        return bytes(gosthash.new("streebog512" if wide else "streebog256", data=bytearray(data)).digest())
    raise UnsupportedGostAlgorithm(f"unsupported digest algorithm {algorithm_oid}")


def verify(spki_der: bytes, signature_algorithm: str, signature: bytes, data: bytes) -> bool:
    """Does ``signature`` (GOST ``signature_algorithm``) over ``data`` verify with this public key?

    UnsupportedGostAlgorithm when the algorithm, its hash or the key's curve cannot be checked here.
    """
    checker, size = _checker(spki_der, signature_algorithm)
    return _verify_digest(
        checker, size, spki_der, digest(SIGNATURE_DIGESTS[signature_algorithm], data), signature
    )


def verify_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Does ``certificate``'s GOST signature verify under ``issuer``'s key (names are not compared)?"""
    return verify(
        spki_of(issuer),
        certificate.signature_algorithm_oid.dotted_string,
        certificate.signature,
        certificate.tbs_certificate_bytes,
    )


class GostSignatureValidator(DefaultSignatureValidator):
    """pyhanko-certvalidator's signature check, with the national CA's GOST algorithms added."""

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: asn1_keys.PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        """Raise InvalidSignature when the signature does not verify."""
        algorithm = signature_algorithm["algorithm"].dotted
        if not is_gost_signature(algorithm):
            super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
            return
        if not verify(public_key_info.dump(), algorithm, signature, signed_data):
            raise InvalidSignature()


def _checker(spki_der: bytes, signature_algorithm: str) -> tuple[_Gost3410, int]:
    if signature_algorithm not in SIGNATURE_DIGESTS:
        raise UnsupportedGostAlgorithm(
            f"unsupported algorithm: {signature_algorithm} is not a GOST signature"
        )
    try:
        info = _PublicKeyInfo.load(spki_der)
        key_algorithm = info["algorithm"]["algorithm"].dotted
        curve_oid = _KeyParameters.load(info["algorithm"]["parameters"].dump())["public_key_param_set"].dotted
    except (ValueError, TypeError) as error:
        raise UnsupportedGostAlgorithm(
            f"unsupported algorithm: the key of a {SIGNATURE_NAMES[signature_algorithm]} signature "
            f"cannot be read ({error})"
        ) from None
    if not key_algorithm.startswith(GOST_KEY_PREFIX):
        raise UnsupportedGostAlgorithm(
            f"unsupported algorithm: a {SIGNATURE_NAMES[signature_algorithm]} signature with a "
            f"{key_algorithm} key"
        )
    curve = _CURVES.get(curve_oid)
    if curve is None:
        raise UnsupportedGostAlgorithm(
            f"unsupported algorithm: {SIGNATURE_NAMES[signature_algorithm]} on curve parameters {curve_oid}"
        )
    size = (curve["p"].bit_length() + 7) // 8
    if (size == 64) != (signature_algorithm == GOST_2015_512_SIGNATURE):
        raise UnsupportedGostAlgorithm(
            f"unsupported algorithm: a {SIGNATURE_NAMES[signature_algorithm]} signature with a "
            f"{size * 8}-bit key"
        )
    return _curve_checker(curve_oid), size


def _verify_digest(checker: _Gost3410, size: int, spki_der: bytes, hashed: bytes, signature: bytes) -> bool:
    try:
        point = core.OctetString.load(_PublicKeyInfo.load(spki_der)["public_key"].native).native
    except (ValueError, TypeError):
        return False
    if len(point) != 2 * size or len(signature) != 2 * size or len(hashed) != size:
        return False
    public_key = point[:size][::-1] + point[size:][::-1]  # gostcrypto reads big-endian numbers
    r_s = signature[:size][::-1] + signature[size:][::-1]
    try:
        return bool(checker.verify(bytearray(public_key), bytearray(hashed[::-1]), bytearray(r_s)))
    except (gostsignature.GOSTSignatureError, ValueError):  # ValueError: no inverse (a forged point)
        return False


def _run_program(command: list[str], data: bytes) -> bytes:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program found on PATH, data on stdin
            command, input=data, capture_output=True, timeout=_PROGRAM_TIMEOUT_SECONDS, check=True
        )
        return bytes.fromhex(done.stdout.split()[0].decode("ascii"))
    except (subprocess.SubprocessError, OSError, ValueError, IndexError) as error:
        raise UnsupportedGostAlgorithm(f"the GOST hash program {command[0]} failed: {error}") from None


def public_key_bits(certificate: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's value (what an OCSP CertID's issuerKeyHash is taken over)."""
    return _PublicKeyInfo.load(spki_of(certificate))["public_key"].native
