"""The certificate authority: creates the CA hierarchy and issues citizens' certificates.

This is the one module that signs with the CA's keys (certificates, CRLs, OCSP responses); the
time-stamping authority's own key signs its tokens in ``ca.tsa``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ca.config import CAConfig
from ca.csr import checked_public_key, load_csr
from ca.errors import CAError, IssuanceRefused
from ca.files import CAFiles, encrypted_key_pem, load_cert, load_key
from ca.person import IDENTIFICATION_OIDS, Identification, VerifiedPerson
from ca.proofs import IdentityProof
from ca.signers import FileKeySigner, Pkcs11Signer, Signer
from ca.store import CertificateRecord, CertificateStore, bind_keys, key_holders
from ca.subject import common_name, subject_and_text
from national_profile.iin import InvalidIIN, iins_named_in, parse_iin
from national_profile.profiles import SPECS, Profile, key_usage_for

Clock = Callable[[], dt.datetime]
SIGNATURE_HASH = hashes.SHA256()
EC_KEY = ec.EllipticCurvePublicKey
SERIAL_ATTEMPTS = 5  # fresh serials tried when one is already taken (159 random bits: ~never needed)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    """The same calendar moment ``years`` later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def spki_sha256(public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> str:
    """Hex SHA-256 of the DER SubjectPublicKeyInfo: the key's identity in the certificate store."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def random_serial() -> int:
    """20 random bytes, positive and exactly 20 bytes in DER: top bit clear, first byte non-zero."""
    raw = bytearray(secrets.token_bytes(20))
    raw[0] = (raw[0] & 0x7F) or 0x40
    return int.from_bytes(raw, "big")


@dataclass(frozen=True)
class _CheckedRequest:
    """A request that passed every check and may be signed."""

    profile: Profile
    person: VerifiedPerson
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey
    key_id: str  # spki_sha256 of public_key
    subject: x509.Name
    subject_text: str
    not_before: dt.datetime
    not_after: dt.datetime


_Pending = tuple[_CheckedRequest, x509.Certificate, dict]  # checked, signed, its store row


class IssuedCertificate:
    """A certificate just issued and the record that stores it.

    Bulk issuance hands over the stored row's values; the record object is built when first asked for.
    """

    def __init__(
        self,
        certificate: x509.Certificate,
        record: CertificateRecord | None = None,
        *,
        row: dict | None = None,
    ) -> None:
        if (record is None) == (row is None):
            raise TypeError("IssuedCertificate takes a record or a row")
        self.certificate = certificate
        self._record = record
        self._row = row

    @property
    def record(self) -> CertificateRecord:
        if self._record is None:
            self._record = CertificateRecord(**self._row)
        return self._record

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def sign_timestamp_attributes(key: rsa.RSAPrivateKey, signed_attributes: bytes) -> bytes:
    """The time-stamping authority's signature over a token's DER signed attributes (RSA PKCS#1 v1.5,
    SHA-256): ``ca.tsa`` builds the token, the signing stays here with the CA's other signatures."""
    return key.sign(signed_attributes, padding.PKCS1v15(), hashes.SHA256())


class CertificateAuthority:
    """A root CA and an issuing CA; issues AUTH and SIGN certificates on identity proofs (``ca.proofs``)."""

    def __init__(
        self,
        config: CAConfig,
        root_cert: x509.Certificate,
        issuing_cert: x509.Certificate,
        issuing_key: rsa.RSAPrivateKey | Signer,
        store: CertificateStore | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.config = config
        self.root_cert = root_cert
        self.issuing_cert = issuing_cert
        is_signer = isinstance(issuing_key, FileKeySigner | Pkcs11Signer)
        self._signer = issuing_key if is_signer else FileKeySigner(issuing_key)
        self.store = store
        self.clock = clock
        self._issuer_name = issuing_cert.subject
        self._issuing_not_after = issuing_cert.not_valid_after_utc
        self._static_extensions = {
            (profile, identification, is_ec): self._profile_extensions(profile, identification, is_ec)
            for profile in Profile
            for identification in Identification
            for is_ec in (False, True)
        }

    # ----- creating and loading -----

    @staticmethod
    def exists(ca_dir: Path) -> bool:
        """True when ``ca_dir`` holds a complete CA."""
        return CAFiles(Path(ca_dir)).exists()

    @classmethod
    def initialise(
        cls,
        ca_dir: Path,
        passphrase: bytes,
        config: CAConfig = CAConfig(),
        *,
        store: CertificateStore | None = None,
        clock: Clock = utc_now,
        pin: str | None = None,
    ) -> CertificateAuthority:
        """Create a root CA and an issuing CA in ``ca_dir``; refuses if any CA file is already there.

        When ``config`` names a PKCS#11 token, the issuing key is generated inside it (``pin`` logs in)
        and no issuing.key.pem is written; the root key is a passphrase-encrypted file either way (it
        signs only the issuing CA certificate, and belongs offline). If writing the files fails, the
        key generated in the token is deleted again.
        """
        files = CAFiles(Path(ca_dir))
        files.refuse_overwrite()
        if not passphrase:
            raise CAError("The CA passphrase is empty.")
        if config.issuing_key_in_token and not pin:
            raise CAError("The issuing key goes into a PKCS#11 token, but no token PIN was given.")
        now = clock().replace(microsecond=0)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=config.root_key_size)
        private = 0o600
        contents = {files.root_key: (encrypted_key_pem(root_key, passphrase), private)}
        if config.issuing_key_in_token:
            from ca.pkcs11 import generate_token_key

            issuing_key = generate_token_key(
                config.pkcs11_module,
                config.pkcs11_token_label,
                config.pkcs11_key_label,
                pin,
                config.issuing_key_size,
            )
        else:
            issuing_key = rsa.generate_private_key(public_exponent=65537, key_size=config.issuing_key_size)
            contents[files.issuing_key] = (encrypted_key_pem(issuing_key, passphrase), private)
        try:
            root_cert = _root_certificate(config, root_key, now)
            issuing_cert = _issuing_certificate(config, root_cert, root_key, issuing_key.public_key(), now)
            files.write_all(
                contents
                | {
                    files.root_cert: (root_cert.public_bytes(serialization.Encoding.PEM), 0o644),
                    files.issuing_cert: (issuing_cert.public_bytes(serialization.Encoding.PEM), 0o644),
                    files.config: (config.to_json().encode("utf-8") + b"\n", 0o644),
                }
            )
        except BaseException:
            if config.issuing_key_in_token:
                issuing_key.destroy()
            raise
        return cls(config, root_cert, issuing_cert, issuing_key, store, clock=clock)

    @classmethod
    def load(
        cls,
        ca_dir: Path,
        passphrase: bytes,
        store: CertificateStore | None = None,
        *,
        clock: Clock = utc_now,
        pin: str | None = None,
    ) -> CertificateAuthority:
        """Load the CA once: the issuing key is decrypted here, not per issuance (the root key is not).

        A CA whose ca.json names a PKCS#11 token logs in to it instead, with ``pin`` or else
        ``$EDS_CA_PIN``; the passphrase is not needed then.
        """
        files = CAFiles(Path(ca_dir))
        files.require(issuing_key=False, root_key=False)  # the root key may be kept offline
        config = CAConfig.from_file(files.config)
        if config.issuing_key_in_token:
            from ca.pkcs11 import load_pin

            signer: Signer = Pkcs11Signer.for_config(config, pin or load_pin(None))
            key_source = f"the key {config.pkcs11_key_label!r} in token {config.pkcs11_token_label!r}"
        else:
            files.require(root_key=False)
            signer = FileKeySigner(load_key(files.issuing_key, passphrase))  # the root key stays on disk
            key_source = files.issuing_key.name
        issuing_cert = load_cert(files.issuing_cert)
        root_cert = load_cert(files.root_cert)
        if issuing_cert.public_key().public_numbers() != signer.public_key().public_numbers():
            wrong_key = " or ca.json names the wrong token key" if config.issuing_key_in_token else ""
            raise CAError(
                f"{key_source} does not belong to {files.issuing_cert.name}: the CA directory is damaged"
                f"{wrong_key}."
            )
        return cls(config, root_cert, issuing_cert, signer, store, clock=clock)

    def replace(
        self, *, store: CertificateStore | None = None, clock: Clock | None = None
    ) -> CertificateAuthority:
        """The same CA (keys already decrypted) with another store or clock."""
        return CertificateAuthority(
            self.config,
            self.root_cert,
            self.issuing_cert,
            self._signer,
            store if store is not None else self.store,
            clock=clock or self.clock,
        )

    # ----- the chain -----

    @staticmethod
    def read_chain(ca_dir: Path) -> list[x509.Certificate]:
        """The public chain (issuing CA first, then root) without the passphrase."""
        files = CAFiles(Path(ca_dir))
        files.require(issuing_key=False, root_key=False)
        return [load_cert(files.issuing_cert), load_cert(files.root_cert)]

    @property
    def chain(self) -> list[x509.Certificate]:
        """Issuing CA first, then the root."""
        return [self.issuing_cert, self.root_cert]

    def chain_pem(self) -> bytes:
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in self.chain)

    # ----- issuance -----

    def issue(
        self,
        csr_pem: bytes,
        proof: IdentityProof,
        profile: Profile | str,
        *,
        enrolment_id: str | None = None,
        session: Session | None = None,
    ) -> IssuedCertificate:
        """Check the identity proof and the CSR, sign a certificate of ``profile`` and store it.

        The person comes from ``proof.verified_person()`` only; a proof that fails refuses the request
        (``IdentityNotProven``, an ``IssuanceRefused`` with the proof's code).

        With ``session`` the record is added and flushed (so a second certificate for the enrolment is
        refused here) and the caller commits, or rolls back on any error; without ``session`` the CA
        commits. Either the certificate is stored or nothing is.
        """
        if self.store is None and session is None:
            raise CAError("This CA was loaded without a certificate store; it cannot issue.")
        request = self._checked(csr_pem, _proven(proof), profile)
        if session is not None:
            return self._issue_in(session, request, enrolment_id)
        with self.store.session() as own:
            try:
                issued = self._issue_in(own, request, enrolment_id)
                own.commit()
            except BaseException:
                own.rollback()
                raise
        return issued

    def issue_many(
        self, requests: Iterable[tuple[bytes, IdentityProof, Profile | str]], *, batch_size: int = 500
    ) -> Iterator[IssuedCertificate]:
        """Bulk issuance (no enrolments) of ``(csr, proof, profile)`` requests, each proof checked as by
        ``issue``: each batch is inserted in one statement and committed.

        Certificates are yielded once their batch is committed, so every certificate yielded is
        stored. A refused request stops the run: the batch before it is committed and yielded,
        then the refusal is raised. Nothing is kept in memory beyond one batch.
        """
        if self.store is None:
            raise CAError("This CA was loaded without a certificate store; it cannot issue.")
        if batch_size < 1:
            raise CAError(f"batch_size must be 1 or more, not {batch_size}.")
        table = CertificateRecord.__table__
        pending: list[_Pending] = []
        keys_in_batch: dict[str, tuple[str, str]] = {}

        def commit() -> tuple[list[IssuedCertificate], IssuanceRefused | None]:
            """Store the batch (up to a request whose key is already certified elsewhere) in one statement.

            The batch's keys are bound first; when one turns out bound to someone else, the transaction
            is rolled back and the batch, cut before that request, is stored again."""
            refusal = None
            try:
                with self.store.engine.connect() as connection:
                    while True:
                        transaction = connection.begin()
                        bind_keys(connection, _bindings(request for request, _, _ in pending))
                        reused_at = _first_reused_key(connection, [request for request, _, _ in pending])
                        if reused_at < len(pending):
                            transaction.rollback()
                            refusal = _key_reused()
                            del pending[reused_at:]
                            continue
                        self._give_fresh_serials(connection, pending)
                        if pending:
                            connection.execute(table.insert(), [row for _, _, row in pending])
                        transaction.commit()
                        break
            except IntegrityError:  # another process stored one of these serials a moment ago
                pending.clear()
                raise CAError(
                    "A serial number was taken by another issuer at the same moment; nothing of this batch "
                    "was stored (the batches before it were). Issue the remaining requests again."
                ) from None
            done = [IssuedCertificate(certificate, row=row) for _, certificate, row in pending]
            pending.clear()
            keys_in_batch.clear()
            return done, refusal

        def flush() -> Iterator[IssuedCertificate]:
            done, refusal = commit()
            yield from done
            if refusal is not None:
                raise refusal

        try:
            for csr_pem, proof, profile in requests:
                request = self._checked(csr_pem, _proven(proof), profile)
                holder = keys_in_batch.setdefault(request.key_id, (request.person.iin, request.profile.value))
                if holder != (request.person.iin, request.profile.value):
                    raise _key_reused()
                pending.append((request, *self._sign(request, None)))
                if len(pending) >= batch_size:
                    yield from flush()
        except IssuanceRefused:
            if pending:
                yield from flush()
            raise
        if pending:
            yield from flush()

    def _give_fresh_serials(self, connection: Connection, pending: list[_Pending]) -> None:
        """Re-sign with a fresh serial each certificate whose serial is taken (in the store or the batch)."""
        for _attempt in range(SERIAL_ATTEMPTS):
            serials = [row["serial"] for _, _, row in pending]
            taken = _taken_serials(connection, serials)
            seen: set[str] = set()
            clashing = []
            for index, serial in enumerate(serials):
                if serial in taken or serial in seen:
                    clashing.append(index)
                seen.add(serial)
            if not clashing:
                return
            for index in clashing:
                request = pending[index][0]
                pending[index] = (request, *self._sign(request, None))
        raise _serial_collision()

    def _checked(self, csr_pem: bytes, person: VerifiedPerson, profile: Profile | str) -> _CheckedRequest:
        """Every check before signing: profile, IIN, CSR (form, possession, key), IIN in the CSR, names."""
        chosen = _profile(profile)
        person = replace(person, iin=_canonical_iin(person.iin, self.clock().date()))
        csr = load_csr(csr_pem)
        public_key = checked_public_key(csr)
        for named in iins_named_in(csr.subject):
            if named != person.iin:
                raise IssuanceRefused(
                    "iin_mismatch",
                    f"The request names IIN {named}, but the verified person's IIN is {person.iin}.",
                )
        subject, text = subject_and_text(person)
        not_before = self.clock().replace(microsecond=0)
        not_after = add_years(not_before, SPECS[chosen].validity_years)
        if not_after > self._issuing_not_after:
            raise IssuanceRefused(
                "ca_expiring",
                f"The issuing CA expires on {self._issuing_not_after:%Y-%m-%d}, before a one-year "
                "certificate would: the operator must renew the issuing CA.",
            )
        return _CheckedRequest(
            chosen, person, public_key, spki_sha256(public_key), subject, text, not_before, not_after
        )

    def _sign(self, request: _CheckedRequest, enrolment_id: str | None) -> tuple[x509.Certificate, dict]:
        """Sign the certificate; return it with the values of its store record."""
        public_key = request.public_key
        identification = request.person.identification
        static = self._static_extensions[(request.profile, identification, isinstance(public_key, EC_KEY))]
        key_identifier = x509.SubjectKeyIdentifier.from_public_key(public_key)
        # The builder's constructor takes the whole extension list at once: the static extensions are
        # built once per profile at load time, and the SKI goes fourth, as in the national profile.
        builder = x509.CertificateBuilder(
            issuer_name=self._issuer_name,
            subject_name=request.subject,
            public_key=public_key,
            serial_number=random_serial(),
            not_valid_before=request.not_before,
            not_valid_after=request.not_after,
            extensions=[*static[:3], x509.Extension(key_identifier.oid, False, key_identifier), *static[3:]],
        )
        certificate = builder.sign(self._signer.key, SIGNATURE_HASH)
        if self._signer.verify_signatures:
            self._check_signature(certificate.signature, certificate.tbs_certificate_bytes)
        row = {
            "serial": f"{certificate.serial_number:040x}",
            "iin": request.person.iin,
            "profile": request.profile.value,
            "identification": identification.value,
            "subject": request.subject_text,
            "not_before": request.not_before,
            "not_after": request.not_after,
            "status": "valid",
            "fingerprint_sha256": certificate.fingerprint(hashes.SHA256()).hex(),
            "spki_sha256": request.key_id,
            "pem": certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "enrolment_id": enrolment_id,
            "created_at": request.not_before,
        }
        return certificate, row

    def _issue_in(
        self, session: Session, request: _CheckedRequest, enrolment_id: str | None
    ) -> IssuedCertificate:
        if enrolment_id is not None:
            _refuse_if_issued(session, enrolment_id, request.profile)
        bind_keys(session, _bindings([request]))
        if _first_reused_key(session, [request]) == 0:
            raise _key_reused()
        for _attempt in range(SERIAL_ATTEMPTS):
            certificate, row = self._sign(request, enrolment_id)
            if not _taken_serials(session, [row["serial"]]):
                break
        else:
            raise _serial_collision()
        record = CertificateRecord(**row)
        session.add(record)
        try:
            session.flush()
        except IntegrityError:
            if enrolment_id is not None:
                raise _already_issued(enrolment_id, request.profile) from None
            raise _serial_collision() from None
        return IssuedCertificate(certificate=certificate, record=record)

    def _profile_extensions(
        self, profile: Profile, identification: Identification, is_ec: bool
    ) -> list[x509.Extension]:
        """Everything but the SKI, in the national CA's order: KU, EKU, AKI, [SKI], policies, CRL DP, AIA."""
        spec = SPECS[profile]
        key_usage = key_usage_for(profile, is_ec)
        extended_key_usage = spec.extended_key_usage + IDENTIFICATION_OIDS[identification]
        usage = {name: name in key_usage for name in _KEY_USAGE_NAMES}
        values_and_criticality = [
            (x509.KeyUsage(**usage, encipher_only=False, decipher_only=False), True),
            (x509.ExtendedKeyUsage(list(extended_key_usage)), False),
            (_authority_key_identifier(self.issuing_cert), False),
            (_policies(spec.policy, self.config.cps_url), False),
            (_crl_distribution_point(self.config.crl_url), False),
            (_freshest_crl(self.config.delta_crl_url), False),
            (
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(self.config.issuing_cert_url),
                        ),
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(self.config.ocsp_url),
                        ),
                    ]
                ),
                False,
            ),
        ]
        return [x509.Extension(value.oid, critical, value) for value, critical in values_and_criticality]

    def certify_timestamping_key(
        self, public_key: rsa.RSAPublicKey, *, validity_years: int = 2
    ) -> x509.Certificate:
        """The time-stamping authority's certificate (``ca.tsa``): critical EKU timeStamping only
        (RFC 3161 section 2.3), key usage digitalSignature and nonRepudiation, CRL DP and AIA."""
        now = self.clock().replace(microsecond=0)
        usage = {name: name in ("digital_signature", "content_commitment") for name in _KEY_USAGE_NAMES}
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
                common_name(f"{self.config.issuing_name[:60]} TSA"),
            ]
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(self._issuer_name)
            .public_key(public_key)
            .serial_number(random_serial())
            .not_valid_before(now)
            .not_valid_after(min(add_years(now, validity_years), self._issuing_not_after))
            .add_extension(x509.KeyUsage(**usage, encipher_only=False, decipher_only=False), True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), True)
            .add_extension(_authority_key_identifier(self.issuing_cert), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
            .add_extension(_crl_distribution_point(self.config.crl_url), False)
        )
        certificate = builder.sign(self._signer.key, SIGNATURE_HASH)
        if self._signer.verify_signatures:
            self._check_signature(certificate.signature, certificate.tbs_certificate_bytes)
        return certificate

    # ----- revocation publishing (built in ca.crl / ca.ocsp, signed here) -----

    def sign_crl(self, builder: x509.CertificateRevocationListBuilder) -> x509.CertificateRevocationList:
        """Sign a CRL with the issuing CA (its issuer name and AKI are set here)."""
        builder = builder.issuer_name(self._issuer_name).add_extension(
            _authority_key_identifier(self.issuing_cert), False
        )
        crl = builder.sign(self._signer.key, SIGNATURE_HASH)
        if self._signer.verify_signatures:
            self._check_signature(crl.signature, crl.tbs_certlist_bytes)
        return crl

    def sign_ocsp(self, builder: ocsp.OCSPResponseBuilder) -> ocsp.OCSPResponse:
        """Sign an OCSP response with the issuing CA itself as responder (RFC 6960 section 4.2.2.2)."""
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.issuing_cert).certificates(
            [self.issuing_cert]  # so a client holding only the root can find the signer
        )
        response = builder.sign(self._signer.key, SIGNATURE_HASH)
        if self._signer.verify_signatures:
            self._check_signature(response.signature, response.tbs_response_bytes)
        return response

    def _check_signature(self, signature: bytes, signed: bytes) -> None:
        """Refuse a signature (from a token) that the issuing certificate's public key does not verify."""
        try:
            self.issuing_cert.public_key().verify(signature, signed, padding.PKCS1v15(), SIGNATURE_HASH)
        except InvalidSignature:
            raise CAError(
                "The token returned a signature that does not verify with the issuing CA certificate; "
                "nothing was issued or published. Check that the token key belongs to this CA."
            ) from None


_KEY_USAGE_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def _proven(proof: IdentityProof) -> VerifiedPerson:
    """The person ``proof`` verifies; its ``IdentityNotProven`` (an ``IssuanceRefused``) passes through."""
    verify = getattr(proof, "verified_person", None)
    if not callable(verify):
        raise TypeError(
            f"The CA issues on an identity proof (ca.proofs), not on a {type(proof).__name__}: "
            "a person is verified by a proof, never given."
        )
    person = verify()
    if not isinstance(person, VerifiedPerson):
        raise TypeError(f"{type(proof).__name__}.verified_person() returned a {type(person).__name__}.")
    return person


def _profile(profile: Profile | str) -> Profile:
    try:
        return Profile(profile)
    except ValueError:
        raise IssuanceRefused(
            "unknown_profile", f"Profile must be 'auth' or 'sign', not {profile!r}."
        ) from None


def _canonical_iin(iin: str, today: dt.date) -> str:
    """The IIN as 12 digits (surrounding spaces removed), or an ``invalid_iin`` refusal."""
    try:
        return parse_iin(iin, today=today).value
    except InvalidIIN as exc:
        raise IssuanceRefused("invalid_iin", f"IIN {iin!r} is not valid: {exc}") from None


def _already_issued(enrolment_id: str, profile: Profile) -> IssuanceRefused:
    return IssuanceRefused(
        "already_issued", f"Enrolment {enrolment_id} already has a {profile.value.upper()} certificate."
    )


def _refuse_if_issued(session: Session, enrolment_id: str, profile: Profile) -> None:
    existing = session.scalars(
        select(CertificateRecord.serial).where(
            CertificateRecord.enrolment_id == enrolment_id, CertificateRecord.profile == profile.value
        )
    ).first()
    if existing is not None:
        raise _already_issued(enrolment_id, profile)


def _key_reused() -> IssuanceRefused:
    return IssuanceRefused(
        "key_reused",
        "This public key is already certified for another person or for the other certificate type "
        "(AUTH and SIGN each need their own key pair). Create a new key pair and request, and send that.",
    )


def _bindings(requests: Iterable[_CheckedRequest]) -> dict[str, tuple[str, str]]:
    """``{key: (iin, profile)}`` for ``bind_keys`` (a key twice in ``requests``: its first holder)."""
    bindings: dict[str, tuple[str, str]] = {}
    for request in requests:
        bindings.setdefault(request.key_id, (request.person.iin, request.profile.value))
    return bindings


def _first_reused_key(connection: Session | Connection, requests: list[_CheckedRequest]) -> int:
    """The index of the first request whose key is bound to another IIN or profile, or ``len(requests)``.

    The same key, IIN and profile is a renewal and passes."""
    holders = key_holders(connection, [request.key_id for request in requests])
    for index, request in enumerate(requests):
        holder = holders.get(request.key_id)
        if holder is not None and holder != (request.person.iin, request.profile.value):
            return index
    return len(requests)


def _taken_serials(connection: Session | Connection, serials: list[str]) -> set[str]:
    column = CertificateRecord.__table__.c.serial
    taken: set[str] = set()
    for start in range(0, len(serials), _IN_CHUNK):
        chunk = serials[start : start + _IN_CHUNK]
        taken.update(connection.execute(select(column).where(column.in_(chunk))).scalars())
    return taken


def _serial_collision() -> CAError:
    return CAError(
        f"No free serial number was found in {SERIAL_ATTEMPTS} tries (is the random source broken?); "
        "nothing was issued."
    )


_IN_CHUNK = 500  # values per IN (...) query, well under every database's parameter limit


def _authority_key_identifier(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _policies(policy: x509.ObjectIdentifier, cps_url: str) -> x509.CertificatePolicies:
    return x509.CertificatePolicies(
        [
            x509.PolicyInformation(
                policy, [cps_url, x509.UserNotice(notice_reference=None, explicit_text=cps_url)]
            )
        ]
    )


def sign_root_crl(
    builder: x509.CertificateRevocationListBuilder, root_cert: x509.Certificate, root_key: rsa.RSAPrivateKey
) -> x509.CertificateRevocationList:
    """Sign the root's CRL with the root key (``load_root_key``), which no CertificateAuthority holds."""
    if root_key.public_key().public_numbers() != root_cert.public_key().public_numbers():
        raise CAError("The root key given does not belong to this CA's root certificate.")
    builder = builder.issuer_name(root_cert.subject).add_extension(
        _authority_key_identifier(root_cert), False
    )
    return builder.sign(root_key, SIGNATURE_HASH)


def load_root_key(ca_dir: Path, passphrase: bytes) -> rsa.RSAPrivateKey:
    """The root's private key from root.key.pem, where the root is kept (offline in production)."""
    files = CAFiles(Path(ca_dir))
    if not files.root_key.exists():
        raise CAError(
            f"{files.root_key} is not here: the root's CRL is signed where the root key is kept "
            "(run `eds ca crl --root` there)."
        )
    return load_key(files.root_key, passphrase)


def _freshest_crl(url: str) -> x509.FreshestCRL:
    """Where the delta CRL is (RFC 5280 4.2.1.15), in the national CA's place: after the CRL point."""
    return x509.FreshestCRL([x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)])


def _crl_distribution_point(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
    )


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)


def _root_certificate(config: CAConfig, key: rsa.RSAPrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name(
        [
            common_name(config.root_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(random_serial())
        .not_valid_before(now)
        .not_valid_after(add_years(now, config.root_validity_years))
        .add_extension(ski, False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(_CA_KEY_USAGE, True)
        .sign(key, SIGNATURE_HASH)
    )


def _issuing_certificate(
    config: CAConfig,
    root_cert: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    public_key: rsa.RSAPublicKey,
    now: dt.datetime,
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            common_name(config.issuing_name),
        ]
    )
    # anyPolicy lets the citizens' policies (1.2.398.3.3.2.x) validate under RFC 5280 policy processing.
    any_policy = x509.PolicyInformation(x509.oid.CertificatePoliciesOID.ANY_POLICY, [config.cps_url])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(random_serial())
        .not_valid_before(now)
        .not_valid_after(min(add_years(now, config.issuing_validity_years), root_cert.not_valid_after_utc))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
        .add_extension(_authority_key_identifier(root_cert), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(_CA_KEY_USAGE, True)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(config.root_cert_url),
                    )
                ]
            ),
            False,
        )
        .add_extension(x509.CertificatePolicies([any_policy]), False)
        .add_extension(_crl_distribution_point(config.root_crl_url), False)
        .sign(root_key, SIGNATURE_HASH)
    )
