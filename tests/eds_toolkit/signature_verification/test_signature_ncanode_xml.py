"""NCANode's XML test resources (../shared/testdata/nca/ncanode/xml), one test each, with the outcome
NCANode's own tests state (XmlServiceTest "check xml verifying", WsseServiceTest "test soap envelope
verifying" and the signing inputs of both). NCANode mocks "now" into the certificates' validity; we
check as of a moment inside it instead."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from lxml import etree
from signature_helpers import NCA, load_pem_or_der

from eds_agent.xml_signature import read_document, sign_xml
from eds_toolkit.signatures import Reason, SignatureInputError
from eds_toolkit.signatures.gost import STREEBOG_512
from eds_toolkit.signatures.verify_xml import verify_xml

XML = NCA / "ncanode" / "xml"
RSA_VALID_AT = dt.datetime(2021, 6, 1, tzinfo=dt.UTC)  # their RSA signer: 2021-01-18 .. 2022-01-18
GOST_VALID_AT = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)  # their GOST 2015 signer: 2022-07-28 .. 2023-07-28
THEIR_SIGNER_IIN = "123456789011"


@pytest.fixture(scope="module")
def rsa_ca():
    return load_pem_or_der(NCA / "ncanode" / "ca" / "nca_rsa_test.crt")


@pytest.fixture(scope="module")
def gost_2015_ca():
    return load_pem_or_der(NCA / "ncanode" / "ca" / "nca_gost2015_test.cer")


def _read(name: str) -> bytes:
    return (XML / name).read_bytes()


def test_xml_signed_valid_string_one_signer_is_valid_and_invalid_out_of_date(rsa_ca):
    """XmlServiceTest 'one signer': valid, 1 signer; 'invalid date': not valid."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING.xml")
    verdict = verify_xml(xml, trust_roots=[rsa_ca], at=RSA_VALID_AT, revocation="none")
    assert verdict.ok, verdict.describe()
    (signature,) = verdict.signatures
    assert signature.signer.iin == THEIR_SIGNER_IIN and signature.signer.profile == "sign"
    assert signature.chain[-1] == "CN=ҰКО 3.0 (RSA TEST),C=KZ"

    today = verify_xml(xml, trust_roots=[rsa_ca], revocation="none")
    assert not today.ok and today.signatures[0].reasons == (Reason.CERTIFICATE_EXPIRED,)


def test_xml_signed_valid_string_two_signers_rsa_co_signature_is_valid(rsa_ca):
    """XmlServiceTest 'two signers' (RSA, then GOST 2015 over it): the RSA signature holds once the
    later GOST signature is set aside, as NCANode checks co-signatures (last first); the GOST one,
    whose CA is not trusted here, is refused for its path, not for its algorithm."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")
    verdict = verify_xml(xml, trust_roots=[rsa_ca], at=RSA_VALID_AT, revocation="none")
    rsa, gost = verdict.signatures
    assert rsa.ok, rsa.messages
    assert rsa.signer.iin == THEIR_SIGNER_IIN
    assert not gost.ok and Reason.ALGORITHM_UNSUPPORTED not in gost.reasons, gost.reasons
    assert gost.signer.iin == "123456789012"


def test_xml_signed_valid_string_two_signers_both_are_valid(rsa_ca, gost_2015_ca):
    """XmlServiceTest 'two signers': valid, 2 signers (each as of a moment its certificate is valid)."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")
    roots = [rsa_ca, gost_2015_ca]
    rsa = verify_xml(xml, trust_roots=roots, at=RSA_VALID_AT, revocation="none").signatures[0]
    gost = verify_xml(xml, trust_roots=roots, at=GOST_VALID_AT, revocation="none").signatures[1]
    assert rsa.ok and gost.ok, (rsa.messages, gost.messages)
    assert gost.signer.iin == "123456789012" and gost.digest_algorithm == STREEBOG_512
    assert gost.chain[-1] == "C=KZ,CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"


def test_the_gost_xml_signature_is_checked_against_its_cas_crl(gost_2015_ca):
    """The GOST signer's revocation is checked as any XML signer's: not on the GOST 2022 CA's CRL,
    and refused when a CRL is required but none is given."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")
    crl = (NCA / "ncanode" / "crl" / "nca_gost2022_test.crl").read_bytes()
    checked = verify_xml(xml, trust_roots=[gost_2015_ca], at=GOST_VALID_AT, revocation="crl", crls=[crl])
    gost = checked.signatures[1]
    assert gost.ok, gost.messages
    assert gost.revocation.source == "crl" and gost.revocation.status == "good"
    without = verify_xml(xml, trust_roots=[gost_2015_ca], at=GOST_VALID_AT, revocation="crl")
    assert not without.signatures[1].ok and without.signatures[1].revocation.status != "good"


def _gost_signature_value(xml: bytes) -> bytes:
    start = xml.rindex(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    return xml[start : xml.index(b"</ds:SignatureValue>", start)]


def test_the_gost_xml_signature_with_a_changed_byte_is_refused(gost_2015_ca):
    """Not in NCANode's tests: a changed byte of the document, of the GOST SignatureValue, or of its
    DigestValue (which the signature covers) is refused."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")

    def gost_verdict(document: bytes):
        return verify_xml(
            document, trust_roots=[gost_2015_ca], at=GOST_VALID_AT, revocation="none"
        ).signatures[1]

    assert gost_verdict(xml).ok
    assert gost_verdict(xml.replace(b"<b>test</b>", b"<b>tesT</b>")).reasons == (Reason.CONTENT_MODIFIED,)

    text = _gost_signature_value(xml)
    value = bytearray(base64.b64decode(b"".join(text.replace(b"&#13;", b"").split())))
    value[10] ^= 0x01
    changed_value = xml.replace(text, base64.b64encode(bytes(value)))
    assert gost_verdict(changed_value).reasons == (Reason.SIGNATURE_INVALID,)

    digest = b"JXtgklPvmOEL7qfdrS8MaadBx7zdLgQXHgpTGfO7uGT0"
    assert digest in xml
    changed_digest = xml.replace(digest, b"JXtgklPvmOEL7qfdrS8MaadBx7zdLgQXHgpTGfO7uGT1")
    assert gost_verdict(changed_digest).reasons == (Reason.SIGNATURE_INVALID,)


def test_a_gost_signature_method_with_a_sha_digest_is_refused_as_unsupported(gost_2015_ca):
    """A GOST signature is accepted with the national CA's GOST digest only (and the reverse)."""
    xml = _read("XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml")
    mixed = xml.replace(
        b"urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512",
        b"http://www.w3.org/2001/04/xmlenc#sha512",
    )
    gost = verify_xml(mixed, trust_roots=[gost_2015_ca], at=GOST_VALID_AT, revocation="none").signatures[1]
    assert gost.reasons == (Reason.ALGORITHM_UNSUPPORTED,) and "GOST digest" in gost.messages[0]


def test_wsse_signed_string_is_valid_and_invalid_out_of_date(rsa_ca):
    """WsseServiceTest 'simple soap': valid, 1 signer; 'invalid date': not valid."""
    xml = _read("WsseServiceTest.XML_SIGNED_STRING.xml")
    verdict = verify_xml(xml, trust_roots=[rsa_ca], at=RSA_VALID_AT, revocation="none")
    assert verdict.ok, verdict.describe()
    assert [s.signer.iin for s in verdict.signatures] == [THEIR_SIGNER_IIN]
    today = verify_xml(xml, trust_roots=[rsa_ca], revocation="none")
    assert today.signatures[0].reasons == (Reason.CERTIFICATE_EXPIRED,)


def test_wsse_signed_string_with_a_changed_body_or_a_moved_body_is_refused(rsa_ca):
    """Not in NCANode's tests: the same envelope tampered, and wrapped (the signed Body moved into the
    Header, a new Body claiming its wsu:Id)."""
    xml = _read("WsseServiceTest.XML_SIGNED_STRING.xml")
    changed = xml.replace(b"<iin>931002451325</iin>", b"<iin>931002451326</iin>")
    verdict = verify_xml(changed, trust_roots=[rsa_ca], at=RSA_VALID_AT, revocation="none")
    assert verdict.signatures[0].reasons == (Reason.CONTENT_MODIFIED,)

    envelope = etree.fromstring(xml)
    header, body = envelope[0], envelope[1]
    forged = etree.SubElement(envelope, body.tag, attrib=dict(body.attrib))
    etree.SubElement(forged, "SendMessage").text = "a request nobody signed"
    header.append(body)
    wrapped = verify_xml(etree.tostring(envelope), trust_roots=[rsa_ca], at=RSA_VALID_AT, revocation="none")
    assert wrapped.signatures[0].reasons == (Reason.DOCUMENT_NOT_COVERED,)


@pytest.mark.parametrize(
    "name", ["WsseServiceTest.XML_VALID_STRING.xml", "WsseIntegrationTest.XML_STRING.xml"]
)
def test_unsigned_envelopes_are_refused_as_unsigned_and_sign_with_our_agent(name, rsa_ca, citizen, authority):
    """NCANode's signing inputs (its tests expect a signature to be made): unsigned, they are not a
    signature; signed by our agent's signer they verify."""
    xml = _read(name)
    with pytest.raises(SignatureInputError, match="no XML signature"):
        verify_xml(xml, trust_roots=[rsa_ca], revocation="none")
    signed = sign_xml(read_document(xml), citizen.key, citizen.sign, citizen.chain[:1]).encode()
    verdict = verify_xml(signed, trust_roots=[authority.root_cert], revocation="none")
    assert verdict.ok, verdict.describe()
    assert b"<iin>931002451325</iin>" in signed
