"""RFC 3161 timestamp tokens: read the TSTInfo (what was stamped, when, by whom).

The token's own signature is not verified here (the national CA's TSA signs with GOST, which
neither OpenSSL nor ``cryptography`` implements); what is checked is that a token inside a CMS
stamps that CMS's signature value.
"""

from __future__ import annotations

import hashlib

from asn1crypto import cms, tsp

from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.verdict import TimestampInfo

_HASHES = {"sha1": "sha1", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512", "sha224": "sha224"}


def read_timestamp_token(token: bytes | cms.ContentInfo, *, stamped: bytes | None = None) -> TimestampInfo:
    """Parse a DER timestamp token (a CMS SignedData over a TSTInfo).

    With ``stamped`` (e.g. a signature value) ``matches_signature`` says whether the imprint is the
    hash of it; otherwise it is None.
    """
    try:
        info = token if isinstance(token, cms.ContentInfo) else cms.ContentInfo.load(token)
        if info["content_type"].native != "signed_data":
            raise SignatureInputError("The timestamp token is not a CMS SignedData.")
        signed = info["content"]
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
        )
    except SignatureInputError:
        raise
    except (ValueError, TypeError, KeyError) as error:
        raise SignatureInputError(f"The timestamp token cannot be read: {error}") from None


def _imprint_matches(algorithm: str, hashed: bytes, stamped: bytes) -> bool:
    name = _HASHES.get(algorithm)
    return name is not None and hashlib.new(name, stamped).digest() == hashed


def _general_name(name) -> str:
    chosen = name.chosen
    return chosen.human_friendly if hasattr(chosen, "human_friendly") else str(chosen.native)


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
