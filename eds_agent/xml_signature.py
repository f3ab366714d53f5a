"""XMLDSig enveloped signatures as NCALayer's ``signXml`` makes them (signxml, lxml).

The signature is the root element's last child: one Reference ``URI=""`` (the whole document) with
the enveloped-signature transform, Canonical XML 1.0 (as NCALayer), SHA-256, RSA-SHA256 (ECDSA-SHA256
for an EC key), and the signer's certificate in KeyInfo/X509Data. A document that already carries
signatures gets one more (a co-signature covering them, as NCALayer adds it).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree
from signxml import SignatureMethod, XMLSigner
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.exceptions import SignXMLException

from eds_agent.errors import BadRequest

MAX_XML_BYTES = 10 * 1024 * 1024


def read_document(data: bytes) -> etree._Element:
    """The document to sign; BadRequest for anything but plain well-formed XML (no DTD, no entities)."""
    if len(data) > MAX_XML_BYTES:
        raise BadRequest(f"The XML document is larger than {MAX_XML_BYTES // (1024 * 1024)} MiB.")
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise BadRequest(f"The document is not well-formed XML: {error}.") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or any(True for _ in root.iter(etree.Entity)):
        raise BadRequest("XML documents with a DTD (<!DOCTYPE>) or entities are not signed.")
    return root


class _Utf8Signer(XMLSigner):
    """signxml's signer copying documents as UTF-8: its default ASCII turns non-ASCII element names
    (Cyrillic tags) into character references, which is not XML."""

    def _tostring(self, xml_node, **kwargs):
        return etree.tostring(xml_node, **{"encoding": "utf-8", **kwargs})


def sign_xml(
    document: etree._Element,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
) -> str:
    """The document with an enveloped XMLDSig signature appended to its root, as UTF-8 text.

    KeyInfo/X509Data holds the signer's certificate first, then ``chain`` (NCALayer sends the signer's
    alone; the chain lets a verifier that trusts only the root build the path, as with our CMS)."""
    if isinstance(key, rsa.RSAPrivateKey):
        method = SignatureMethod.RSA_SHA256
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        method = SignatureMethod.ECDSA_SHA256
    else:
        raise BadRequest("This key type cannot make XML signatures (RSA or ECDSA keys only).")
    signer = _Utf8Signer(
        signature_algorithm=method,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    try:  # the Reference is URI="" (or "#id" of the root, when the root has an Id)
        signed = signer.sign(document, key=key, cert=[certificate, *chain])
    except SignXMLException as error:
        raise BadRequest(f"The XML document cannot be signed: {error}.") from None
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8").decode("utf-8")
