"""RFC 3161 time-stamps: read a TimeStampResp or a bare token, and check it as a proof of time.

``read_timestamp_token`` parses the TSTInfo (what was stamped, when, by whom). ``check_timestamp_token``
also checks the TSA: its signature over the TSTInfo, its certificate's critical extended key usage
timeStamping and its chain to the trust roots as of the time-stamp's own genTime (rfc3161-client,
OpenSSL underneath). The national CA's TSA signs with GOST, which OpenSSL does not implement: its
tokens are read, and reported as not verifiable rather than as forged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from asn1crypto import cms, core, tsp
from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.verdict import TimestampInfo

_HASHES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "sha224": "sha224"}
MAX_TIMESTAMP_BYTES = 64 * 1024  # a token with a 3-certificate chain is ~5 kB
_PARSE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError)


class _Reply(core.Sequence):
    """TimeStampResp with the token optional, as RFC 3161 has it (a rejection carries none)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


@dataclass(frozen=True)
class TimestampReply:
    """A TimeStampResp: its status (``granted``, ``rejection``...), failure bits, text, and token."""

    status: str
    failure: tuple[str, ...]
    text: str
    token: cms.ContentInfo | None

    @property
    def granted(self) -> bool:
        return self.status in ("granted", "granted_with_mods")


def read_timestamp_reply(reply: bytes) -> TimestampReply:
    """Parse a DER TimeStampResp (what a TSA answers over HTTP)."""
    try:
        parsed = _Reply.load(_bounded(reply), strict=True)
        status = parsed["status"]
        token = parsed["time_stamp_token"]
        return TimestampReply(
            status=status["status"].native,
            failure=tuple(sorted(status["fail_info"].native or ())),
            text=" ".join(status["status_string"].native or ()),
            token=None if token.native is None else token,
        )
    except _PARSE_ERRORS as error:
        raise SignatureInputError(f"The time-stamp reply cannot be read: {error}") from None


def load_timestamp_token(data: bytes | cms.ContentInfo) -> cms.ContentInfo:
    """A token from a bare token (CMS SignedData) or a granted TimeStampResp."""
    if isinstance(data, cms.ContentInfo):
        return data
    if _is_reply(_bounded(data)):
        reply = read_timestamp_reply(data)
        if not reply.granted or reply.token is None:
            failure = f" ({', '.join(reply.failure)})" if reply.failure else ""
            raise SignatureInputError(
                f"The TSA refused the request: {reply.status}{failure} {reply.text}".strip()
            )
        return reply.token
    try:
        return cms.ContentInfo.load(data, strict=True)
    except _PARSE_ERRORS as error:
        raise SignatureInputError(f"The timestamp token cannot be read: {error}") from None


def read_timestamp_token(token: bytes | cms.ContentInfo, *, stamped: bytes | None = None) -> TimestampInfo:
    """Parse a timestamp token (a CMS SignedData over a TSTInfo) or a TimeStampResp holding one.

    With ``stamped`` (e.g. a signature value) ``matches_signature`` says whether the imprint is the
    hash of it; otherwise it is None. The TSA's signature is not checked here: see
    ``check_timestamp_token``.
    """
    try:
        info = load_timestamp_token(token)
        if info["content_type"].native != "signed_data":
            raise SignatureInputError("The timestamp token is not a CMS SignedData.")
        signed = info["content"]
        signed.native  # noqa: B018 - parse it all now, not halfway through the checks
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise SignatureInputError("The CMS is not a timestamp token: it does not hold a TSTInfo.")
        tst: tsp.TSTInfo = encapsulated["content"].parsed
        imprint = tst["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        tsa = tst["tsa"]
        tsa_name = None if tsa.native is None else _general_name(tsa)
        return TimestampInfo(
            gen_time=tst["gen_time"].native,
            imprint_algorithm=algorithm,
            imprint=hashed.hex(),
            serial_number=tst["serial_number"].native,
            policy=tst["policy"].dotted,
            tsa=tsa_name,
            signer=_token_signer(signed),
            matches_signature=None if stamped is None else _imprint_matches(algorithm, hashed, stamped),
            accuracy_seconds=_accuracy(tst["accuracy"]),
        )
    except SignatureInputError:
        raise
    except _PARSE_ERRORS as error:  # asn1crypto parses lazily: a malformed part fails where it is read
        raise SignatureInputError(f"The timestamp token cannot be read: {error}") from None


def check_timestamp_token(
    token: bytes | cms.ContentInfo,
    *,
    trust_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate] = (),
    stamped: bytes | None = None,
) -> TimestampInfo:
    """Read the token and check its TSA: signature, critical EKU timeStamping, chain as of genTime.

    ``verified`` is True only when all of these hold (and, with ``stamped``, the imprint is over it);
    otherwise False with ``problem`` saying why. Raises SignatureInputError for input that is no token.
    """
    parsed_token = load_timestamp_token(token)
    info = read_timestamp_token(parsed_token, stamped=stamped)
    if stamped is not None and not info.matches_signature:
        return replace(info, verified=False, problem="The time-stamp is not over this signature value.")
    if not trust_roots:
        return replace(info, verified=False, problem="No trusted root certificate was given for the TSA.")
    wrapped = _granted_reply(_encoded(parsed_token))
    try:
        response = decode_timestamp_response(wrapped)
    except ValueError as error:  # structures rfc3161-client cannot take (e.g. GOST algorithm identifiers)
        return replace(info, verified=False, problem=f"The time-stamp cannot be checked: {error}.")
    builder = VerifierBuilder()
    for root in dict.fromkeys(trust_roots):
        builder = builder.add_root_certificate(root)
    for certificate in dict.fromkeys(intermediates):
        if certificate not in trust_roots:
            builder = builder.add_intermediate_certificate(certificate)
    signer = _signer_certificate(parsed_token, intermediates)
    if signer is not None and not len(parsed_token["content"]["certificates"] or []):
        builder = builder.tsa_certificate(signer)  # a token made without certReq names none itself
    try:
        builder.build().verify(response, bytes.fromhex(info.imprint))
    except VerificationError as error:
        return replace(info, verified=False, problem=_plain(str(error)))
    except ValueError as error:  # a part asn1crypto read leniently that rfc3161-client refuses
        return replace(info, verified=False, problem=f"The time-stamp cannot be checked: {error}.")
    return replace(info, verified=True)


def _encoded(value: cms.ContentInfo) -> bytes:
    """The bytes ``value`` was parsed from. Never ``dump()``: asn1crypto re-encodes a BER
    (indefinite-length) structure in time exponential in its depth, and a hostile token is one."""
    if value._header is None:  # noqa: SLF001 - built in code, not parsed: DER already
        return value.dump()
    return value._header + value.contents + (value._trailer or b"")  # noqa: SLF001 - no public accessor


def _granted_reply(token: bytes) -> bytes:
    """A TimeStampResp around ``token`` (rfc3161-client reads replies only): status granted, DER."""
    body = b"\x30\x03\x02\x01\x00" + token  # PKIStatusInfo { status granted }, then the token as received
    return b"\x30" + _der_length(len(body)) + body


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _bounded(data: bytes) -> bytes:
    if not data:
        raise SignatureInputError("The time-stamp is empty.")
    if len(data) > MAX_TIMESTAMP_BYTES:
        raise SignatureInputError(f"The time-stamp is larger than {MAX_TIMESTAMP_BYTES // 1024} KiB.")
    return data


def _is_reply(data: bytes) -> bool:
    """A TimeStampResp starts with a PKIStatusInfo SEQUENCE; a token (ContentInfo) with an OID."""
    try:
        outer = core.Sequence.load(data)
        first = outer[0]
    except (ValueError, TypeError, KeyError, IndexError):
        return False
    return first.tag == 16  # SEQUENCE (PKIStatusInfo), where a ContentInfo has an OBJECT IDENTIFIER (6)


def _plain(message: str) -> str:
    """rfc3161-client's message, without OpenSSL's error stack dump."""
    head = message.split(": ErrorStack", 1)[0].strip()
    if 'data: "Verify error:' in message:
        reason = message.split('data: "Verify error:', 1)[1].split('"', 1)[0].strip()
        head = f"{head}: {reason}"
    return f"The time-stamp does not verify: {head.rstrip('.')}."


def _imprint_matches(algorithm: str, hashed: bytes, stamped: bytes) -> bool:
    name = _HASHES.get(algorithm)
    return name is not None and hashlib.new(name, stamped).digest() == hashed


def _accuracy(accuracy) -> float | None:
    if accuracy.native is None:
        return None
    parts = accuracy.native
    return (parts.get("seconds") or 0) + (parts.get("millis") or 0) / 1e3 + (parts.get("micros") or 0) / 1e6


def _general_name(name) -> str:
    chosen = name.chosen
    return chosen.human_friendly if hasattr(chosen, "human_friendly") else str(chosen.native)


def _signer_certificate(token: cms.ContentInfo, known: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The TSA certificate among ``known`` that the token's SignerInfo names (issuer and serial)."""
    signer_infos = token["content"]["signer_infos"]
    if not len(signer_infos) or signer_infos[0]["sid"].name != "issuer_and_serial_number":
        return None
    wanted = signer_infos[0]["sid"].chosen
    for certificate in known:
        if (
            certificate.serial_number == wanted["serial_number"].native
            and certificate.issuer.public_bytes() == wanted["issuer"].dump()
        ):
            return certificate
    return None


def _token_signer(signed: cms.SignedData) -> str | None:
    """The subject of the certificate that signed the token, when the token carries it."""
    signer_infos = signed["signer_infos"]
    if not len(signer_infos):
        return None
    sid = signer_infos[0]["sid"]
    for candidate in signed["certificates"] or []:
        if candidate.name != "certificate":
            continue
        certificate = candidate.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.serial_number == wanted["serial_number"].native
                and certificate.issuer == wanted["issuer"]
            ):
                return certificate.subject.human_friendly
        elif certificate.key_identifier == sid.chosen.native:
            return certificate.subject.human_friendly
    return None


def proven_time(info: TimestampInfo | None) -> dt.datetime | None:
    """The latest moment the stamped data is proven to have existed (genTime plus the accuracy), or None
    when the time-stamp is absent or did not verify."""
    if info is None or not info.verified:
        return None
    return info.gen_time + dt.timedelta(seconds=info.accuracy_seconds or 0)
