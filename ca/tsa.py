"""A time-stamping authority (RFC 3161): answers a TimeStampReq with a signed TimeStampResp.

The TSA has its own key (``tsa.key.pem``, encrypted with the CA passphrase like the issuing key) and
its own certificate from the issuing CA with the critical extended key usage timeStamping only
(RFC 3161 section 2.3). The issuing CA signs that certificate (``CertificateAuthority.certify_
timestamping_key``); this module signs time-stamp tokens with the TSA key and nothing else.

A request this TSA cannot answer gets a ``rejection`` with a PKIFailureInfo, never an exception.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ca.authority import CertificateAuthority, random_serial, sign_timestamp_attributes, utc_now
from ca.errors import CAAlreadyExists, CAError
from ca.files import CAFiles, encrypted_key_pem, load_cert, load_key

# The national CA's TSA policy (its tokens carry 1.2.398.3.3.2.6.1); the test TSA answers under it.
DEFAULT_POLICY = "1.2.398.3.3.2.6.1"
DEFAULT_ACCURACY_SECONDS = 1  # genTime is the service clock truncated to the second
TSA_KEY_SIZE = 2048
MAX_REQUEST_BYTES = 4096  # a TimeStampReq with a SHA-512 imprint, a nonce and a policy is < 200 bytes
ACCEPTED_IMPRINTS = {"sha256": 32, "sha384": 48, "sha512": 64}  # hash -> digest length

Clock = Callable[[], dt.datetime]


class TimestampRefused(CAError):
    """A request the TSA rejects; ``failure`` is the PKIFailureInfo bit name (``bad_alg``, ...)."""

    def __init__(self, failure: str, message: str) -> None:
        super().__init__(message)
        self.failure = failure


@dataclass(frozen=True)
class TsaSettings:
    """``tsa.json``: the policy OID the TSA answers under and the accuracy it claims."""

    policy: str = DEFAULT_POLICY
    accuracy_seconds: int = DEFAULT_ACCURACY_SECONDS

    def __post_init__(self) -> None:
        try:
            core.ObjectIdentifier(self.policy).dump()
        except (ValueError, TypeError):
            raise CAError(
                f"The TSA policy must be an OID such as {DEFAULT_POLICY}, not {self.policy!r}."
            ) from None
        if not isinstance(self.accuracy_seconds, int) or not 1 <= self.accuracy_seconds <= 60:
            raise CAError("The TSA accuracy is 1 to 60 seconds.")

    @classmethod
    def from_file(cls, path: Path) -> TsaSettings:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise CAError(f"Cannot read the TSA settings {path}: {exc}") from None


def tsa_files(ca_dir: Path) -> tuple[Path, Path, Path]:
    """The TSA's key, certificate and settings in the CA directory."""
    return ca_dir / "tsa.key.pem", ca_dir / "tsa.cer.pem", ca_dir / "tsa.json"


def create_tsa(
    authority: CertificateAuthority,
    ca_dir: Path,
    passphrase: bytes,
    settings: TsaSettings = TsaSettings(),
) -> x509.Certificate:
    """Make the TSA key and have the issuing CA certify it; refuses if the CA already has a TSA."""
    key_path, cert_path, settings_path = tsa_files(Path(ca_dir))
    if key_path.exists() or cert_path.exists():
        raise CAAlreadyExists(f"The CA in {ca_dir} already has a time-stamping authority ({cert_path.name}).")
    if not passphrase:
        raise CAError("The TSA key is encrypted with the CA passphrase, and none was given.")
    key = rsa.generate_private_key(public_exponent=65537, key_size=TSA_KEY_SIZE)
    certificate = authority.certify_timestamping_key(key.public_key())
    CAFiles(Path(ca_dir)).write_all(
        {
            key_path: (encrypted_key_pem(key, passphrase), 0o600),
            settings_path: (json.dumps(settings.__dict__, indent=2).encode() + b"\n", 0o644),
            cert_path: (certificate.public_bytes(serialization.Encoding.PEM), 0o644),  # last: complete
        }
    )
    return certificate


_creating = threading.Lock()


def open_tsa(
    authority: CertificateAuthority, ca_dir: Path, passphrase: bytes, *, clock: Clock | None = None
) -> TimeStampAuthority:
    """The CA's TSA, created on first use (a CA made before TSAs existed gets one then).

    Creation holds a lock file in the CA directory, so workers starting together make one TSA."""
    _, cert_path, _ = tsa_files(Path(ca_dir))
    if not cert_path.exists():
        with _creating, open(Path(ca_dir) / ".tsa.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not cert_path.exists():
                    create_tsa(authority, ca_dir, passphrase)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    return TimeStampAuthority.load(ca_dir, passphrase, authority.chain, clock=clock or authority.clock)


class TimeStampAuthority:
    """Signs time-stamp tokens with the TSA key; ``respond`` turns a DER request into a DER response."""

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        certificate: x509.Certificate,
        ca_chain: list[x509.Certificate],
        settings: TsaSettings = TsaSettings(),
        *,
        clock: Clock = utc_now,
    ) -> None:
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():
            raise CAError("The TSA key does not belong to the TSA certificate: the CA directory is damaged.")
        self.certificate = certificate
        self.ca_chain = list(ca_chain)
        self.settings = settings
        self.clock = clock
        self._key = key
        # What every token repeats, encoded once: re-encoding certificates per token costs ~60 ms.
        tsa_der = certificate.public_bytes(serialization.Encoding.DER)
        tsa_certificate = asn1_x509.Certificate.load(tsa_der)
        issuer_serial = {"issuer": tsa_certificate.issuer, "serial_number": tsa_certificate.serial_number}
        self._tsa_name = asn1_x509.GeneralName({"directory_name": tsa_certificate.subject}).dump()
        self._signer_id = cms.SignerIdentifier({"issuer_and_serial_number": issuer_serial}).dump()
        self._essential = cms.CMSAttribute(
            {
                "type": "signing_certificate_v2",
                "values": [
                    {
                        "certs": [
                            {
                                "hash_algorithm": {"algorithm": "sha256"},
                                "cert_hash": hashlib.sha256(tsa_der).digest(),
                                "issuer_serial": {
                                    "issuer": [
                                        asn1_x509.GeneralName({"directory_name": tsa_certificate.issuer})
                                    ],
                                    "serial_number": tsa_certificate.serial_number,
                                },
                            }
                        ]
                    }
                ],
            }
        ).dump()
        # the TSA and the issuing CA: a client holding only the root can build the path
        carried = [tsa_der, *(cert.public_bytes(serialization.Encoding.DER) for cert in ca_chain[:1])]
        self._certificates = cms.CertificateSet([asn1_x509.Certificate.load(der) for der in carried]).dump()

    @classmethod
    def load(
        cls, ca_dir: Path, passphrase: bytes, ca_chain: list[x509.Certificate], *, clock: Clock = utc_now
    ) -> TimeStampAuthority:
        key_path, cert_path, settings_path = tsa_files(Path(ca_dir))
        if not cert_path.exists() or not key_path.exists():
            raise CAError(f"The CA in {ca_dir} has no time-stamping authority: run `eds ca tsa-init`.")
        settings = TsaSettings.from_file(settings_path) if settings_path.exists() else TsaSettings()
        return cls(load_key(key_path, passphrase), load_cert(cert_path), ca_chain, settings, clock=clock)

    def respond(self, request_der: bytes) -> bytes:
        """A DER TimeStampResp: ``granted`` with a token, or ``rejection`` with the failure's reason."""
        try:
            request = self._checked(request_der)
        except TimestampRefused as refused:
            return _rejection(refused.failure, str(refused))
        return tsp.TimeStampResp(
            {"status": {"status": "granted"}, "time_stamp_token": self.token(request)}
        ).dump()

    def token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        """The time-stamp token (CMS SignedData over a TSTInfo) answering a checked request."""
        gen_time = self.clock().astimezone(dt.UTC).replace(microsecond=0)
        tst_info = {
            "version": "v1",
            "policy": self.settings.policy,
            "message_imprint": request["message_imprint"],
            "serial_number": random_serial(),  # 159 random bits: unique without a shared counter
            "gen_time": gen_time,
            "accuracy": {"seconds": self.settings.accuracy_seconds},
            "ordering": False,
            "tsa": asn1_x509.GeneralName.load(self._tsa_name),
        }
        if request["nonce"].native is not None:
            tst_info["nonce"] = request["nonce"].native
        content = tsp.TSTInfo(tst_info)
        return cms.ContentInfo({"content_type": "signed_data", "content": self._signed(content, request)})

    def _checked(self, request_der: bytes) -> tsp.TimeStampReq:
        if not request_der or len(request_der) > MAX_REQUEST_BYTES:
            raise TimestampRefused("bad_data_format", "The request is empty or too large for a TimeStampReq.")
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            request.native  # noqa: B018 - parse every field now
        except (ValueError, TypeError, KeyError, OverflowError):
            raise TimestampRefused("bad_data_format", "The request is not a DER TimeStampReq.") from None
        if request["version"].native != "v1":
            raise TimestampRefused("bad_request", "Only version 1 time-stamp requests are answered.")
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        if algorithm not in ACCEPTED_IMPRINTS:
            raise TimestampRefused(
                "bad_alg", f"The message imprint's hash must be SHA-256, SHA-384 or SHA-512, not {algorithm}."
            )
        if len(imprint["hashed_message"].native) != ACCEPTED_IMPRINTS[algorithm]:
            raise TimestampRefused("bad_data_format", f"The message imprint is not a {algorithm} digest.")
        policy = request["req_policy"]
        if policy.native is not None and policy.dotted != self.settings.policy:
            raise TimestampRefused(
                "unaccepted_policy", f"This TSA answers under policy {self.settings.policy} only."
            )
        if request["extensions"].native:
            raise TimestampRefused("unaccepted_extensions", "This TSA accepts no request extensions.")
        return request

    def _signed(self, content: tsp.TSTInfo, request: tsp.TimeStampReq) -> cms.SignedData:
        encoded = content.dump()
        attributes = [
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
            cms.CMSAttribute(
                {"type": "signing_time", "values": [cms.Time({"utc_time": content["gen_time"].native})]}
            ),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(encoded).digest()]}),
            cms.CMSAttribute.load(self._essential),
        ]
        # DER: a SET OF sorted by encoding (OpenSSL re-encodes the attributes before checking).
        signed_attrs = cms.CMSAttributes(sorted(attributes, key=lambda attribute: attribute.dump()))
        signature = sign_timestamp_attributes(self._key, signed_attrs.dump())
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self._signer_id),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
                "signature": signature,
            }
        )
        signed = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(encoded)},
            "signer_infos": [signer],
        }
        if request["cert_req"].native:
            signed["certificates"] = cms.CertificateSet.load(self._certificates)
        return cms.SignedData(signed)


class _Reply(core.Sequence):
    """TimeStampResp with the token optional, as RFC 3161 has it (asn1crypto's class requires one)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _rejection(failure: str, text: str) -> bytes:
    status = {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({failure})}
    return _Reply({"status": status}).dump()


def reply_outcome(reply_der: bytes) -> tuple[bool, str]:
    """``(granted, text)`` of a TimeStampResp: for a rejection, its failure bits and status text."""
    status = _Reply.load(reply_der)["status"]
    if status["status"].native in ("granted", "granted_with_mods"):
        return True, status["status"].native
    failures = ", ".join(sorted(status["fail_info"].native or ()))
    texts = " ".join(status["status_string"].native or ())
    return False, f"{status['status'].native} ({failures}): {texts}"
