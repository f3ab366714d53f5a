"""verify_xml on XML signed by the agent's own signer with certificates from our own test CA."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from signature_helpers import NCA, issue_pair, load_pem_or_der
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod

from ca.crl import build_crl
from eds_agent.xml_signature import read_document, sign_xml
from eds_toolkit.signatures import Reason, SignatureInputError
from eds_toolkit.signatures.verify_xml import verify_xml
from eds_toolkit.signatures.xml_reader import MAX_SIGNATURES
from national_profile.iin import make_iin

DS = "http://www.w3.org/2000/09/xmldsig#"
APPLICATION = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<application xmlns="urn:eds:test" Id="app-7"><applicant iin="910412450214"/>'
    "<address>Астана, ул. Кенесары 40, кв. 12</address></application>"
).encode()


@pytest.fixture(scope="module")
def nca_root():
    return load_pem_or_der(NCA / "nca_rsa_test.crt")


def signed(citizen, document: bytes = APPLICATION, *, profile: str = "sign") -> bytes:
    key = citizen.key if profile == "sign" else citizen.auth_key
    certificate = citizen.sign if profile == "sign" else citizen.auth
    return sign_xml(read_document(document), key, certificate, citizen.chain[:1]).encode()


def check(xml: bytes, authority, **options):
    return verify_xml(xml, trust_roots=[authority.root_cert], **{"revocation": "none", **options})


def test_our_xml_signature_verifies_with_signer_and_chain(citizen, authority):
    crl = build_crl(authority).public_bytes(serialization.Encoding.DER)
    verdict = check(signed(citizen), authority, revocation="crl", crls=[crl], required_profile="sign")
    assert verdict.ok, verdict.describe()
    (signature,) = verdict.signatures
    assert signature.signer.iin == citizen.iin and signature.signer.profile == "sign"
    assert len(signature.chain) == 3 and f"IIN{citizen.iin}" in signature.chain[0]
    assert signature.revocation.source == "crl" and signature.revocation.status == "good"
    assert signature.digest_algorithm == "sha256" and len(signature.content_digest) == 64
    assert verdict.to_dict()["signatures"][0]["signer"]["iin"] == citizen.iin


def test_the_signature_is_ncalayers_shape(citizen):
    root = etree.fromstring(signed(citizen))
    signature = root[-1]
    assert signature.tag == f"{{{DS}}}Signature" and signature.prefix == "ds"
    ns = {"ds": DS}
    assert signature.find("ds:SignedInfo/ds:CanonicalizationMethod", ns).get("Algorithm") == (
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    assert signature.find("ds:SignedInfo/ds:SignatureMethod", ns).get("Algorithm").endswith("#rsa-sha256")
    transforms = [t.get("Algorithm") for t in signature.iterfind(".//ds:Transform", ns)]
    assert transforms[0] == "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
    assert len(signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", ns)) == 2


def test_a_changed_word_is_content_modified(citizen, authority):
    tampered = signed(citizen).replace("кв. 12".encode(), "кв. 13".encode())
    (signature,) = check(tampered, authority).signatures
    assert signature.reasons == (Reason.CONTENT_MODIFIED,)


def test_an_element_added_after_signing_is_content_modified(citizen, authority):
    tampered = signed(citizen).replace(b"</application>", b"<owner iin='850701300011'/></application>")
    assert check(tampered, authority).signatures[0].reasons == (Reason.CONTENT_MODIFIED,)


def test_a_changed_signature_value_is_signature_invalid(citizen, authority):
    root = etree.fromstring(signed(citizen))
    value = root.find(f".//{{{DS}}}SignatureValue")
    value.text = "A" + value.text[1:] if value.text[0] != "A" else "B" + value.text[1:]
    (signature,) = check(etree.tostring(root), authority).signatures
    assert signature.reasons == (Reason.SIGNATURE_INVALID,)


def test_a_signature_moved_into_a_wrapper_does_not_cover_the_new_document(citizen, authority):
    """Signature wrapping: the signed application inside a new root with other content beside it."""
    original = etree.fromstring(signed(citizen))
    wrapper = etree.Element("{urn:eds:test}envelope")
    etree.SubElement(wrapper, "{urn:eds:test}application").text = "an application nobody signed"
    wrapper.append(original)
    verdict = check(etree.tostring(wrapper), authority)
    assert not verdict.ok
    assert verdict.signatures[0].reasons == (Reason.DOCUMENT_NOT_COVERED,)


def test_an_id_naming_two_elements_is_not_accepted(citizen, authority):
    """The reference is #app-7 (the root's Id): a second element with that Id makes it ambiguous."""
    xml = signed(citizen)
    assert b'URI="#app-7"' in xml
    forged = xml.replace(b"<address>", b'<extra Id="app-7"><address>elsewhere</address></extra><address>', 1)
    (signature,) = check(forged, authority).signatures
    assert signature.reasons == (Reason.DOCUMENT_NOT_COVERED,)


def test_a_signature_over_one_element_does_not_cover_the_document(citizen, authority):
    document = etree.fromstring(
        b'<application xmlns="urn:eds:test"><applicant Id="part">A</applicant>'
        b"<amount>1</amount></application>"
    )
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0)
    only_part = signer.sign(
        document, key=citizen.key, cert=[citizen.sign, *citizen.chain[:1]], reference_uri="part"
    )
    (signature,) = check(etree.tostring(only_part), authority).signatures
    assert signature.reasons == (Reason.DOCUMENT_NOT_COVERED,)
    assert "does not sign the whole document" in signature.messages[0]


def test_two_citizens_co_sign_and_each_gets_a_verdict(citizen, authority):
    second = issue_pair(authority, make_iin(dt.date(1985, 7, 1), "M", 4321), key_index=7)
    both = sign_xml(read_document(signed(citizen)), second.key, second.sign, second.chain[:1]).encode()
    verdict = check(both, authority)
    assert verdict.ok, verdict.describe()
    assert [s.signer.iin for s in verdict.signatures] == [citizen.iin, second.iin]

    root = etree.fromstring(both)
    root.remove(root.findall(f"{{{DS}}}Signature")[0])  # the first signer's signature taken away
    first_removed = check(etree.tostring(root), authority)
    assert first_removed.signatures[0].reasons == (Reason.CONTENT_MODIFIED,)


def test_more_co_signatures_than_the_bound_are_refused_as_input(citizen, authority):
    document = APPLICATION
    for _ in range(MAX_SIGNATURES + 1):
        document = signed(citizen, document)
    with pytest.raises(SignatureInputError, match=f"at most {MAX_SIGNATURES}"):
        check(document, authority)


def test_cyrillic_element_names_sign_and_verify(citizen, authority):
    document = "<өтініш><мекенжай>Астана</мекенжай></өтініш>".encode()
    assert check(signed(citizen, document), authority).ok


NCALAYER_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="urn:eds:test"><!-- comments are not signed --><address>Астана</address>\
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>\
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
<ds:Reference URI=""><ds:Transforms>\
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"/>\
</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>\
<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>\
<ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature></application>
"""


def test_xmlsec1_signing_with_ncalayers_transforms_verifies_comments_aside(citizen, tmp_path):
    """The other direction of interop: xmlsec1 signs (NCALayer's exact algorithms, #WithComments
    included) and we verify; a same-document reference excludes comments (XMLDSig 4.4.3.3)."""
    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1, "xmlsec1 is required (Debian package xmlsec1, installed by scripts/setup --test)"
    key = tmp_path / "key.pem"
    key.write_bytes(
        citizen.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    certificates = tmp_path / "certificates.pem"
    certificates.write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [citizen.sign, *citizen.chain[:1]])
    )
    template = tmp_path / "template.xml"
    template.write_text(NCALAYER_TEMPLATE, encoding="utf-8")
    output = tmp_path / "signed.xml"
    run = subprocess.run(
        [xmlsec1, "--sign", "--privkey-pem", f"{key},{certificates}", "--output", str(output), str(template)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    signed_by_xmlsec = output.read_bytes()
    issuing_ca = citizen.chain[:1]  # xmlsec1 puts the signer's certificate alone in X509Data

    def check_trusting_the_issuing_ca(xml: bytes):
        return verify_xml(xml, trust_roots=issuing_ca, revocation="none")

    verdict = check_trusting_the_issuing_ca(signed_by_xmlsec)
    assert verdict.ok, verdict.describe()
    assert verdict.signatures[0].signer.iin == citizen.iin
    other_comment = signed_by_xmlsec.replace(b"comments are not signed", b"another comment")
    assert check_trusting_the_issuing_ca(other_comment).ok
    other_address = signed_by_xmlsec.replace("Астана".encode(), "Алматы".encode())
    reasons = check_trusting_the_issuing_ca(other_address).signatures[0].reasons
    assert reasons == (Reason.CONTENT_MODIFIED,)


def test_the_certificate_checks_are_those_of_cms(citizen, authority, ca_clock):
    auth_signed = signed(citizen, profile="auth")
    assert check(auth_signed, authority, required_profile="sign").signatures[0].reasons == (
        Reason.WRONG_PROFILE,
    )
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3 * 366)
    assert Reason.CERTIFICATE_EXPIRED in check(signed(citizen), authority, at=later).signatures[0].reasons
    authority.store.revoke(f"{citizen.sign.serial_number:x}", "key_compromise", now=ca_clock.now)
    crl = build_crl(authority, now=ca_clock.now + dt.timedelta(minutes=1))
    verdict = check(
        signed(citizen),
        authority,
        at=ca_clock.now + dt.timedelta(minutes=2),
        revocation="crl",
        crls=[crl.public_bytes(serialization.Encoding.DER)],
    )
    assert verdict.signatures[0].reasons == (Reason.CERTIFICATE_REVOKED,)


def test_a_signature_is_checked_against_the_trusted_root_only(citizen, nca_root):
    verdict = verify_xml(signed(citizen), trust_roots=[nca_root], revocation="none")
    assert verdict.signatures[0].reasons == (Reason.PATH_INVALID,)


def test_a_billion_laughs_document_is_refused_at_once(nca_root):
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><lolz>&lol9;</lolz>'.encode()
    started = time.monotonic()
    with pytest.raises(SignatureInputError, match="DTD"):
        verify_xml(bomb, trust_roots=[nca_root], revocation="none")
    assert time.monotonic() - started < 1


def test_an_external_entity_is_refused_and_nothing_is_read(tmp_path, nca_root):
    secret = tmp_path / "secret.txt"
    secret.write_text("IIN 910412450214 password hunter2")
    xxe = f'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]><a>&x;</a>'.encode()
    with pytest.raises(SignatureInputError) as refused:
        verify_xml(xxe, trust_roots=[nca_root], revocation="none")
    assert "hunter2" not in str(refused.value) and "DTD" in str(refused.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<a><b>unsigned</b></a>", "no XML signature"),
        (b"<a><b>not closed</a>", "not well-formed XML"),
    ],
)
def test_unreadable_input_is_refused_with_a_reason(data, message, nca_root):
    with pytest.raises(SignatureInputError, match=message):
        verify_xml(data, trust_roots=[nca_root], revocation="none")


FUZZ_SEEDS = [
    (NCA / "ncanode" / "xml" / name).read_bytes()
    for name in (
        "XmlServiceTest.XML_SIGNED_VALID_STRING.xml",
        "XmlServiceTest.XML_SIGNED_VALID_STRING_TWO_SIGNERS.xml",
        "WsseServiceTest.XML_SIGNED_STRING.xml",
    )
]
SPLICES = [b"", b"<", b'"', b"&#13;", b"\x00", b"\xff", b'Id="x"', b'URI="#x"', b"</a>", b"<a>"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(FUZZ_SEEDS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 120), st.sampled_from(SPLICES)), min_size=1, max_size=4
    ),
)
def test_any_mangled_signed_xml_gets_a_verdict_or_an_input_error(seed, edits):
    """Mutations of NCANode's signed XML: never a traceback, only a verdict or SignatureInputError."""
    data = bytearray(seed)
    for where, length, splice in edits:
        start = int(where * len(data))
        data[start : start + length] = splice
    root = load_pem_or_der(NCA / "nca_rsa_test.crt")
    try:
        verdict = verify_xml(bytes(data), trust_roots=[root], at=dt.datetime(2021, 6, 1, tzinfo=dt.UTC))
    except SignatureInputError:
        return
    assert all(signature.ok == (not signature.reasons) for signature in verdict.signatures)
