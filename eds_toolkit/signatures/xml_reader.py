"""Read an XML document's XMLDSig signatures and check their cryptography (signxml, lxml).

Only what covers the document is accepted, so a signature cannot be moved onto other content
(signature wrapping): an enveloped signature that is a child of the root element with one Reference
``URI=""`` (the whole document, NCALayer's ``signXml``), or a WS-Security signature in
``Envelope/Header/Security`` whose one Reference is ``#id`` of the Envelope's own ``Body``, that id
naming no other element. Co-signatures (several enveloped signatures) are checked the way NCALayer
and NCANode add them: each covers the document with the signatures before it, so the last is checked
first and then set aside. DTDs and entities are refused before anything is read (XXE, billion laughs).
Signatures: RSA and ECDSA with SHA-2 (signxml), and the national CA's GOST 34.10-2015 512-bit with
Streebog-512 (signxml's canonicalization and transforms, ``gost.py``'s cryptography).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from lxml import etree
from signxml import InvalidInput, SignatureConfiguration, XMLVerifier
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException

from eds_toolkit.signatures import gost
from eds_toolkit.signatures.errors import SignatureInputError
from eds_toolkit.signatures.verdict import Reason

MAX_XML_BYTES = 10 * 1024 * 1024
# each co-signature is checked on its own copy of the document: the work grows with their number
# times the size (10 signatures of a 9 MB document: about 10 s on one core, measured)
MAX_SIGNATURES = 10
DS = "http://www.w3.org/2000/09/xmldsig#"
SOAP_ENVELOPES = (
    "http://schemas.xmlsoap.org/soap/envelope/",  # SOAP 1.1
    "http://www.w3.org/2003/05/soap-envelope",  # SOAP 1.2
)
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ID_ATTRIBUTES = ("Id", "ID", "id")
_NS = {"ds": DS, "wsse": WSSE}
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
DTD_REFUSED = (
    "The XML document declares a DTD (<!DOCTYPE>): documents with DTDs or entities are refused "
    "(their entities can expand without bound or read other files)."
)
_C14N = frozenset(method.value for method in CanonicalizationMethod)
_ACCEPTED = {  # public-key signatures with SHA-2 or SHA-3 (no SHA-1, no HMAC, no DSA)
    SignatureMethod: frozenset(
        method.value
        for method in SignatureMethod
        if method.name.startswith(("RSA_", "ECDSA_", "SHA")) and "SHA1" not in method.name
    ),
    DigestAlgorithm: frozenset(digest.value for digest in DigestAlgorithm if digest.name != "SHA1"),
}
_DIGEST_NAMES = {DigestAlgorithm.SHA224: "sha224", DigestAlgorithm.SHA256: "sha256"}
_DIGEST_NAMES |= {DigestAlgorithm.SHA384: "sha384", DigestAlgorithm.SHA512: "sha512"}


@dataclass(frozen=True)
class XmlSignature:
    """One ds:Signature of a document and the results of its cryptographic checks.

    ``reason``/``problem`` say why it was not (fully) checked or failed: the signature does not cover
    the document, uses an algorithm we do not have, or its digest or value does not verify.
    """

    position: str  # where it sits, e.g. "/a/ds:Signature[2]"
    covers: str | None  # "document", "soap_body", or None when it covers neither
    signer_certificate: x509.Certificate | None
    certificates: tuple[x509.Certificate, ...]  # every certificate its KeyInfo carries
    signature_method: str
    digest_algorithm: str | None
    digest_value: bytes
    signed_digest: bytes | None  # SHA-256 of the canonical bytes the reference covers, when checked
    reason: Reason | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def read_signed_xml(data: bytes) -> tuple[XmlSignature, ...]:
    """Every XML signature of the document, in document order, each checked; SignatureInputError when
    the document is not XML we read (not well-formed, DTD or entities, no signature at all)."""
    root = parse_xml(data)
    signatures = root.xpath("//ds:Signature", namespaces=_NS)
    if not signatures:
        raise SignatureInputError("The XML document carries no XML signature (ds:Signature).")
    if len(signatures) > MAX_SIGNATURES:
        raise SignatureInputError(
            f"The XML document carries {len(signatures)} signatures; at most {MAX_SIGNATURES} are checked."
        )
    if root.tag == f"{{{DS}}}Signature":
        raise SignatureInputError(
            "This is an enveloping XML signature (the document inside ds:Object): only signatures "
            "enveloped in the document they sign are accepted."
        )
    tree = root.getroottree()
    enveloped = [element for element in root if element.tag == f"{{{DS}}}Signature"]
    results: dict[str, XmlSignature] = {}
    # the last co-signature covers the ones before it: check it, then set it aside, and so on
    document = root
    for element in reversed(enveloped):
        results[tree.getelementpath(element)] = _check(document, _last_signature(document), "document")
        document = _without_last_signature(document)
    for element in signatures:
        path = tree.getelementpath(element)
        if path in results:
            continue
        if _ws_security_body_id(root, element) is None:
            results[path] = _not_covering(element)
        else:
            results[path] = _check(root, element, "soap_body")
    return tuple(results[tree.getelementpath(element)] for element in signatures)


def parse_xml(data: bytes) -> etree._Element:
    """The root element; SignatureInputError for anything but a plain well-formed XML document."""
    if not data or not data.strip():
        raise SignatureInputError("The XML document is empty.")
    if len(data) > MAX_XML_BYTES:
        raise SignatureInputError(f"The XML document is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB.")
    if _declares_dtd(data):  # refused before libxml2 reads the declarations
        raise SignatureInputError(DTD_REFUSED)
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise SignatureInputError(f"The file is not well-formed XML: {error}.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise SignatureInputError(DTD_REFUSED)
    if any(True for _ in root.iter(etree.Entity)):
        raise SignatureInputError("The XML document uses entity references: they are refused.")
    return root


def _declares_dtd(data: bytes) -> bool:
    """Does a <!DOCTYPE follow the prolog (XML declaration, comments, processing instructions)?"""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    data = data.removeprefix(b"\xef\xbb\xbf")
    position = 0
    while item := _PROLOG_ITEM.match(data, position):
        position = item.end()
    return data.startswith(b"<!DOCTYPE", position)


class _OneSignatureVerifier(XMLVerifier):
    """signxml's verifier, told which ds:Signature to check (it would take the first it finds), and
    copying documents as UTF-8 (signxml's default ASCII turns non-ASCII element names into
    character references, which is not XML: a document with Cyrillic tag names would not verify)."""

    def __init__(self, signature_path: str) -> None:
        super().__init__()
        self._signature_path = signature_path  # ElementPath from the root element

    def _tostring(self, xml_node, **kwargs):
        return etree.tostring(xml_node, **{"encoding": "utf-8", **kwargs})

    def _resolve_reference(self, doc_root, reference, uri_resolver=None):
        resolved = super()._resolve_reference(doc_root, reference, uri_resolver=uri_resolver)
        uri = reference.get("URI") or ""
        if uri == "" or (uri.startswith("#") and not uri.startswith("#xpointer(")):
            # XMLDSig 4.4.3.3: a same-document reference is the node-set "minus any comment nodes",
            # even with a #WithComments transform (NCALayer's own); signxml would keep them
            for comment in list(resolved.iter(etree.Comment)):
                _remove_keeping_tail(comment)
        return resolved

    def _get_signature(self, root):
        found = root.find(self._signature_path)
        if found is None or found.tag != f"{{{DS}}}Signature":
            raise InvalidInput("The signature to check is not where it was.")
        return found

    def verify_gost(self, data: bytes, signer: x509.Certificate) -> bytes:
        """Check a national CA GOST signature (signxml knows no GOST URIs) the way ``verify`` checks
        others: the canonical SignedInfo against the SignatureValue with the signer's key, then the one
        Reference's transformed content against its DigestValue. The signed bytes, or InvalidSignature
        / InvalidDigest (gost.UnsupportedGostAlgorithm when the key or hash cannot be checked here)."""
        root = self.get_root(data)
        signature = self._fromstring(self._tostring(self._get_signature(root)))
        signed_info = self._find(signature, "SignedInfo")
        c14n_method = self._find(signed_info, "CanonicalizationMethod")
        signed_info_c14n = self._c14n(
            signed_info,
            algorithm=CanonicalizationMethod(c14n_method.get("Algorithm")),
            inclusive_ns_prefixes=self._get_inclusive_ns_prefixes(c14n_method),
        )
        method = gost.XML_SIGNATURE_METHODS[self._find(signed_info, "SignatureMethod").get("Algorithm")]
        value = _base64(self._find(signature, "SignatureValue").text or "")
        if not gost.verify(gost.spki_of(signer), method, value, signed_info_c14n):
            raise InvalidSignature("Signature verification failed (GOST)")
        # the Reference as the signature verified it, not as the document shows it
        reference = self._find(self._fromstring(signed_info_c14n), "Reference")
        copied_root = self._fromstring(self._tostring(root))
        payload = self._apply_transforms(
            self._resolve_reference(copied_root, reference),
            transforms_node=self._find(reference, "Transforms", require=False),
            signature=self._get_signature(copied_root),
        )
        digest_algorithm = gost.XML_DIGEST_METHODS[self._find(reference, "DigestMethod").get("Algorithm")]
        expected = _base64(self._find(reference, "DigestValue").text or "")
        if expected != gost.digest(digest_algorithm, payload):
            raise InvalidDigest(f"Digest mismatch for reference 0 ({reference.get('URI')})")
        return payload


def _check(root: etree._Element, element: etree._Element, covers: str) -> XmlSignature:
    path = root.getroottree().getelementpath(element)
    method = _attribute(element, "ds:SignedInfo/ds:SignatureMethod", "Algorithm")
    references = element.findall("ds:SignedInfo/ds:Reference", _NS)
    digest_uri = _attribute(element, "ds:SignedInfo/ds:Reference/ds:DigestMethod", "Algorithm")
    digest_value = _base64(element.findtext("ds:SignedInfo/ds:Reference/ds:DigestValue", "", _NS))
    certificates, signer = _certificates(element)
    partial = {
        "position": root.getroottree().getpath(element),
        "covers": covers,
        "signer_certificate": signer,
        "certificates": certificates,
        "signature_method": method,
        "digest_algorithm": _digest_name(digest_uri),
        "digest_value": digest_value,
        "signed_digest": None,
    }
    problem = _coverage_problem(root, element, references, covers)
    if problem:
        uncovered = {**partial, "covers": None}
        return XmlSignature(**uncovered, reason=Reason.DOCUMENT_NOT_COVERED, problem=problem)
    unsupported = _unsupported_algorithm(element, method, digest_uri)
    if unsupported:
        return XmlSignature(**partial, reason=Reason.ALGORITHM_UNSUPPORTED, problem=unsupported)
    if signer is None:
        return XmlSignature(
            **partial,
            reason=Reason.SIGNER_CERTIFICATE_MISSING,
            problem="The XML signature does not carry a readable signer certificate (KeyInfo/X509Data).",
        )
    config = SignatureConfiguration(
        require_x509=True,
        expect_references=1,
        # signxml checks the certificate's validity period too; path.py decides that as of the time
        # asked, so signxml is given a moment inside the period and checks only the cryptography
        verification_time=signer.not_valid_before_utc,
    )
    try:
        document = etree.tostring(root, encoding="utf-8")
        verifier = _OneSignatureVerifier(path)
        if method in gost.XML_SIGNATURE_METHODS:
            signed_data = verifier.verify_gost(document, signer)
        else:
            signed_data = verifier.verify(document, x509_cert=signer, expect_config=config).signed_data
    except InvalidDigest:
        return XmlSignature(
            **partial,
            reason=Reason.CONTENT_MODIFIED,
            problem="The signed XML was changed after signing (reference digest mismatch).",
        )
    except InvalidSignature as error:
        return XmlSignature(
            **partial,
            reason=Reason.SIGNATURE_INVALID,
            problem=f"The XML signature does not verify with the signer certificate's key ({error}).",
        )
    except gost.UnsupportedGostAlgorithm as error:  # e.g. a GOST signature by a key of another kind
        return XmlSignature(**partial, reason=Reason.ALGORITHM_UNSUPPORTED, problem=f"{error}.")
    except UnsupportedAlgorithm as error:  # e.g. a GOST key in the certificate of an RSA signature
        return XmlSignature(
            **partial,
            reason=Reason.ALGORITHM_UNSUPPORTED,
            problem=f"The signer certificate's key is of a kind this verifier cannot check: {error}.",
        )
    except (SignXMLException, etree.Error, ValueError, TypeError) as error:  # a malformed signature
        return XmlSignature(
            **partial,
            reason=Reason.SIGNATURE_INVALID,
            problem=f"The XML signature is malformed: {error}.",
        )
    return XmlSignature(**{**partial, "signed_digest": hashlib.sha256(signed_data).digest()})


def _coverage_problem(
    root: etree._Element, signature: etree._Element, references: list, covers: str
) -> str | None:
    """None when the one Reference is what the signature's place says it must be."""
    if len(references) != 1:
        return f"The XML signature has {len(references)} references; exactly one is accepted."
    reference = references[0]
    uri = reference.get("URI")
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", _NS)]
    strange = [t for t in transforms if t != ENVELOPED and t not in _C14N]
    if strange:
        return f"The XML signature uses a transform that is not accepted: {strange[0]}."
    if covers == "document":
        if (uri != "" and uri != _unique_root_reference(root)) or ENVELOPED not in transforms:
            return (
                "The XML signature beside the root element does not sign the whole document "
                f'(Reference URI="{uri}"): only URI="" (or the root\'s own id) with the '
                "enveloped-signature transform is accepted."
            )
        return None
    body_id = _ws_security_body_id(root, signature)
    if body_id is None or uri != f"#{body_id}":
        return "The WS-Security signature does not sign the SOAP Body of this envelope."
    return None


def _unique_root_reference(root: etree._Element) -> str | None:
    """``#id`` naming the root element, when the root has one id that no other element has."""
    ids = [value for name, value in root.attrib.items() if etree.QName(name).localname in ID_ATTRIBUTES]
    if len(ids) != 1 or len(_elements_with_id(root, ids[0])) != 1:
        return None
    return f"#{ids[0]}"


def _elements_with_id(root: etree._Element, value: str) -> list:
    return root.xpath("//*[@*[local-name()='Id' or local-name()='ID' or local-name()='id'][.=$id]]", id=value)


def _ws_security_body_id(root: etree._Element, signature: etree._Element) -> str | None:
    """The Body's id when ``signature`` sits in Envelope/Header/Security and that id is unique."""
    envelope_ns = etree.QName(root).namespace
    if envelope_ns not in SOAP_ENVELOPES or etree.QName(root).localname != "Envelope":
        return None
    security = signature.getparent()
    header = security.getparent() if security is not None else None
    if (
        security is None
        or security.tag != f"{{{WSSE}}}Security"
        or header is None
        or header.tag != f"{{{envelope_ns}}}Header"
        or header.getparent() is not root
    ):
        return None
    bodies = [child for child in root if child.tag == f"{{{envelope_ns}}}Body"]
    if len(bodies) != 1:
        return None
    ids = [value for name, value in bodies[0].attrib.items() if etree.QName(name).localname in ID_ATTRIBUTES]
    if len(ids) != 1:
        return None
    return ids[0] if len(_elements_with_id(root, ids[0])) == 1 else None


def _unsupported_algorithm(signature: etree._Element, method: str, digest_uri: str) -> str | None:
    c14n = _attribute(signature, "ds:SignedInfo/ds:CanonicalizationMethod", "Algorithm")
    if (method in gost.XML_SIGNATURE_METHODS) != (digest_uri in gost.XML_DIGEST_METHODS):
        return (
            f"The XML signature pairs the signature method {method or '(none)'} with the digest "
            f"{digest_uri or '(none)'}: a national CA GOST signature is accepted only with a GOST digest."
        )
    for uri, known in ((method, SignatureMethod), (digest_uri, DigestAlgorithm)):
        if uri in gost.XML_SIGNATURE_METHODS or uri in gost.XML_DIGEST_METHODS:
            continue
        if "gost" in uri.lower():
            return (
                f"The XML signature uses the GOST algorithm {uri}, which this verifier cannot check "
                "(only RSA and ECDSA with SHA-2, and the national CA's GOST 34.10-2015 512-bit)."
            )
        if uri not in _ACCEPTED[known]:
            return f"The XML signature uses the algorithm {uri or '(none)'}, which is not accepted."
    if c14n not in _C14N:
        return f"The XML signature uses the canonicalization {c14n or '(none)'}, which is not accepted."
    return None


def _certificates(signature: etree._Element) -> tuple[tuple[x509.Certificate, ...], x509.Certificate | None]:
    """The certificates in KeyInfo (X509Data, or a WS-Security X509v3 KeyIdentifier) and the signer's."""
    texts = signature.xpath(
        "ds:KeyInfo/ds:X509Data/ds:X509Certificate/text()"
        " | ds:KeyInfo/wsse:SecurityTokenReference/wsse:KeyIdentifier[@ValueType=$x509]/text()",
        namespaces=_NS,
        x509=X509_TOKEN,
    )
    certificates = []
    for text in texts:
        try:
            certificate = x509.load_der_x509_certificate(_base64(str(text)))
            _ = certificate.subject, certificate.issuer, certificate.extensions  # parsed now, not later
        except (ValueError, TypeError):  # not a certificate we can read: as if it were absent
            continue
        certificates.append(certificate)
    if not certificates:
        return (), None
    issuers = {c.issuer for c in certificates if c.issuer != c.subject}  # of the others, roots aside
    leaves = [c for c in certificates if c.subject not in issuers]
    return tuple(certificates), (leaves or certificates)[0]


def _not_covering(element: etree._Element) -> XmlSignature:
    certificates, signer = _certificates(element)
    return XmlSignature(
        position=element.getroottree().getpath(element),
        covers=None,
        signer_certificate=signer,
        certificates=certificates,
        signature_method=_attribute(element, "ds:SignedInfo/ds:SignatureMethod", "Algorithm"),
        digest_algorithm=None,
        digest_value=b"",
        signed_digest=None,
        reason=Reason.DOCUMENT_NOT_COVERED,
        problem=(
            "An XML signature inside the document's content does not sign the document: only a "
            "signature beside the root element (or in a SOAP envelope's WS-Security header) is accepted."
        ),
    )


def _last_signature(root: etree._Element) -> etree._Element:
    return [element for element in root if element.tag == f"{{{DS}}}Signature"][-1]


def _without_last_signature(root: etree._Element) -> etree._Element:
    """A copy of the document without its last enveloped signature."""
    parser = etree.XMLParser(resolve_entities=False)
    copy = etree.fromstring(etree.tostring(root, encoding="utf-8"), parser=parser)
    _remove_keeping_tail(_last_signature(copy))
    return copy


def _remove_keeping_tail(node: etree._Element) -> None:
    """Take ``node`` out of its parent, keeping the text that followed it."""
    parent, previous = node.getparent(), node.getprevious()
    if parent is None:
        return
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _attribute(element: etree._Element, path: str, name: str) -> str:
    found = element.find(path, _NS)
    return (found.get(name) or "") if found is not None else ""


def _digest_name(uri: str) -> str | None:
    if uri in gost.XML_DIGEST_METHODS:  # its OID, as a CMS verdict names it
        return gost.XML_DIGEST_METHODS[uri]
    try:
        return _DIGEST_NAMES.get(DigestAlgorithm(uri))
    except (ValueError, SignXMLException):
        return None


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return b""
