"""The issuing CA key inside a PKCS#11 token (SoftHSM2): issue, CRL and OCSP signed in the token.

Needs Debian's softhsm2 (and opensc for pkcs11-tool), which scripts/setup --test installs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pkcs11
import pytest
from ca_test_support import PASSPHRASE, count_records, make_csr, person, rsa_key
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from test_crl_ocsp import ocsp_status
from test_pkilint import errors, findings, tool

from ca.authority import CertificateAuthority
from ca.config import CAConfig
from ca.crl import build_crl
from ca.errors import CAError, WrongCAPassphrase
from ca.pkcs11 import TokenError, WrongCAPin, _login, generate_token_key
from ca.signers import Pkcs11Signer

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4711-0815"
SO_PIN = "so-pin-12345678"
KEY_LABEL = "eds-issuing-ca"
TOKENS = ("eds-ca", "eds-cli")
EDS = str(Path(sys.executable).parent / "eds")


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory) -> Path:
    """A SoftHSM2 configuration in a tmp dir with the tokens this module uses, initialised up front
    (SoftHSM reads its configuration once per process, when the module is first loaded)."""
    assert shutil.which("softhsm2-util"), "softhsm2 is not installed: bash scripts/setup --test"
    assert Path(MODULE).is_file(), f"{MODULE} is missing: apt-get install softhsm2"
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(config))
        for label in TOKENS:
            subprocess.run(
                [
                    "softhsm2-util",
                    "--init-token",
                    "--free",
                    "--label",
                    label,
                    "--so-pin",
                    SO_PIN,
                    "--pin",
                    PIN,
                ],
                check=True,
                capture_output=True,
            )
        yield config


def token_config(token: str = "eds-ca", key_label: str = KEY_LABEL) -> CAConfig:
    return CAConfig(pkcs11_module=MODULE, pkcs11_token_label=token, pkcs11_key_label=key_label)


@pytest.fixture(scope="session")
def token_ca_dir(softhsm, tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("token-ca") / "ca"
    CertificateAuthority.initialise(directory, PASSPHRASE, token_config(), pin=PIN)
    return directory


@pytest.fixture(scope="session")
def loaded_token_ca(token_ca_dir) -> CertificateAuthority:
    return CertificateAuthority.load(token_ca_dir, None, pin=PIN)


@pytest.fixture
def token_ca(loaded_token_ca, store) -> CertificateAuthority:
    return loaded_token_ca.replace(store=store)


@pytest.fixture
def token_chain(token_ca, tmp_path) -> tuple[Path, Path, Path]:
    """(root.pem, issuing.pem, chain.pem) of the token CA."""
    root, issuing, chain = tmp_path / "root.pem", tmp_path / "issuing.pem", tmp_path / "chain.pem"
    root.write_bytes(token_ca.root_cert.public_bytes(serialization.Encoding.PEM))
    issuing.write_bytes(token_ca.issuing_cert.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(token_ca.chain_pem())
    return root, issuing, chain


def run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, **kwargs)


def test_ca_json_records_the_token_and_no_issuing_key_file_is_written(token_ca_dir):
    recorded = json.loads((token_ca_dir / "ca.json").read_text(encoding="utf-8"))
    assert recorded["pkcs11_module"] == MODULE
    assert (recorded["pkcs11_token_label"], recorded["pkcs11_key_label"]) == ("eds-ca", KEY_LABEL)
    assert not (token_ca_dir / "issuing.key.pem").exists()
    assert b"ENCRYPTED PRIVATE KEY" in (token_ca_dir / "root.key.pem").read_bytes()  # the offline root


def test_a_file_ca_json_is_unchanged(ca_dir):
    assert "pkcs11" not in (ca_dir / "ca.json").read_text(encoding="utf-8")


def test_the_issuing_certificate_holds_the_token_key(loaded_token_ca):
    token_public = loaded_token_ca._signer.key.public_key().public_numbers()
    assert loaded_token_ca.issuing_cert.public_key().public_numbers() == token_public
    loaded_token_ca.issuing_cert.verify_directly_issued_by(loaded_token_ca.root_cert)


@pytest.mark.parametrize("profile", ["auth", "sign"])
def test_certificates_signed_in_the_token_pass_openssl_verify_and_pkilint(
    token_ca, token_chain, tmp_path, profile
):
    root, issuing, _ = token_chain
    issued = token_ca.issue(make_csr(), person(), profile)
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(issued.pem())
    result = run(
        "openssl", "verify", "-x509_strict", "-CAfile", str(root), "-untrusted", str(issuing), str(leaf)
    )
    assert result.returncode == 0 and ": OK" in result.stdout, result.stdout + result.stderr
    assert issued.certificate.signature_algorithm_oid == x509.SignatureAlgorithmOID.RSA_WITH_SHA256
    assert errors(findings([tool("lint_pkix_cert"), "lint", str(leaf)])) == []
    link = findings([tool("lint_pkix_signer_signee_cert_chain"), "lint", str(issuing), str(leaf)])
    assert errors(link) == []


def test_a_crl_signed_in_the_token_verifies_with_openssl(token_ca, store, token_chain, tmp_path):
    revoked = token_ca.issue(make_csr(), person(), "sign")
    kept = token_ca.issue(make_csr(rsa_key(index=1)), person(), "auth")
    store.revoke(revoked.record.serial, "key_compromise")
    crl_path = tmp_path / "ca.crl"
    crl_path.write_bytes(build_crl(token_ca).public_bytes(serialization.Encoding.PEM))
    _, _, chain = token_chain
    checked = run("openssl", "crl", "-in", str(crl_path), "-CAfile", str(chain), "-noout")
    assert checked.returncode == 0 and "verify OK" in checked.stdout + checked.stderr
    outcomes = {}
    for name, issued in (("revoked", revoked), ("kept", kept)):
        leaf = tmp_path / f"{name}.pem"
        leaf.write_bytes(issued.pem())
        outcomes[name] = run(
            "openssl", "verify", "-crl_check", "-CAfile", str(chain), "-CRLfile", str(crl_path), str(leaf)
        )
    assert outcomes["kept"].returncode == 0, outcomes["kept"].stderr
    assert "certificate revoked" in outcomes["revoked"].stdout + outcomes["revoked"].stderr
    lint = [tool("lint_crl"), "lint", "-t", "CRL", "-p", "PKIX", str(crl_path)]
    assert errors(findings(lint)) == []


def test_an_ocsp_response_signed_in_the_token_verifies_with_openssl(token_ca, store, token_chain, tmp_path):
    _, issuing, chain = token_chain
    good = token_ca.issue(make_csr(), person(), "auth")
    result = ocsp_status(token_ca, (chain, issuing), tmp_path, good.pem())
    assert result.returncode == 0, result.stderr
    assert "Response verify OK" in result.stderr + result.stdout
    assert "Cert Status: good" in result.stdout
    store.revoke(good.record.serial, "key_compromise")
    result = ocsp_status(token_ca, (chain, issuing), tmp_path, good.pem())
    assert "Response verify OK" in result.stderr + result.stdout
    assert "Cert Status: revoked" in result.stdout


def test_the_private_key_cannot_be_read_or_exported(loaded_token_ca):
    session = _login(MODULE, "eds-ca", PIN).session
    attribute = pkcs11.Attribute
    private = session.get_key(
        object_class=pkcs11.ObjectClass.PRIVATE_KEY, key_type=pkcs11.KeyType.RSA, label=KEY_LABEL
    )
    assert private[attribute.SENSITIVE] is True
    assert private[attribute.EXTRACTABLE] is False
    assert private[attribute.NEVER_EXTRACTABLE] is True
    for secret in (attribute.PRIVATE_EXPONENT, attribute.PRIME_1, attribute.VALUE):
        with pytest.raises((pkcs11.exceptions.AttributeSensitive, pkcs11.exceptions.AttributeTypeInvalid)):
            private[secret]
    wrapping = session.generate_key(pkcs11.KeyType.AES, 256, store=False, template={attribute.WRAP: True})
    with pytest.raises(pkcs11.exceptions.KeyUnextractable):
        wrapping.wrap_key(private)
    key = loaded_token_ca._signer.key
    with pytest.raises(TokenError, match="cannot be exported"):
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def test_a_wrong_pin_is_refused_clearly(token_ca_dir, loaded_token_ca):
    with pytest.raises(WrongCAPin, match="refused the PIN") as refused:
        CertificateAuthority.load(token_ca_dir, None, pin="0000-0000")
    assert isinstance(refused.value, WrongCAPassphrase)
    assert "0000-0000" not in str(refused.value)


def test_a_signature_that_does_not_verify_is_never_handed_out(softhsm, loaded_token_ca, store):
    """A token key that does not belong to the issuing certificate: the CA refuses and stores nothing."""
    generate_token_key(MODULE, "eds-ca", "not-the-issuing-key", PIN, 2048)
    wrong = Pkcs11Signer(MODULE, "eds-ca", "not-the-issuing-key", PIN)
    authority = CertificateAuthority(
        loaded_token_ca.config, loaded_token_ca.root_cert, loaded_token_ca.issuing_cert, wrong, store
    )
    with pytest.raises(CAError, match="does not verify"):
        authority.issue(make_csr(), person(), "sign")
    assert count_records(store) == 0
    with pytest.raises(CAError, match="does not verify"):
        build_crl(authority)


def test_loading_refuses_a_token_key_that_is_not_the_issuing_key(softhsm, token_ca_dir, tmp_path):
    generate_token_key(MODULE, "eds-ca", "some-other-key", PIN, 2048)
    copy = tmp_path / "ca"
    shutil.copytree(token_ca_dir, copy)
    config = json.loads((copy / "ca.json").read_text(encoding="utf-8"))
    (copy / "ca.json").write_text(
        json.dumps(config | {"pkcs11_key_label": "some-other-key"}), encoding="utf-8"
    )
    with pytest.raises(CAError, match="does not belong to issuing.cer.pem.*wrong token key"):
        CertificateAuthority.load(copy, None, pin=PIN)


def test_init_refuses_a_key_label_already_in_the_token_and_leaves_nothing(token_ca_dir, tmp_path):
    target = tmp_path / "second-ca"
    with pytest.raises(TokenError, match="already holds a key labelled"):
        CertificateAuthority.initialise(target, PASSPHRASE, token_config(), pin=PIN)
    assert not target.exists() or not any(target.iterdir())
    CertificateAuthority.load(token_ca_dir, None, pin=PIN)  # the existing key is untouched


def test_a_failed_init_deletes_the_key_it_generated_in_the_token(softhsm, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    with pytest.raises(OSError):
        CertificateAuthority.initialise(
            blocker / "ca", PASSPHRASE, token_config(key_label="rolled-back"), pin=PIN
        )
    session = _login(MODULE, "eds-ca", PIN).session
    assert list(session.get_objects({pkcs11.Attribute.LABEL: "rolled-back"})) == []


def test_the_cli_creates_a_token_ca_issues_and_publishes_and_refuses_a_wrong_pin(softhsm, tmp_path):
    """End to end through `eds` in fresh processes, so the wrong PIN reaches the token's own C_Login."""
    home = tmp_path / "home"
    pin_file, wrong_pin_file = tmp_path / "pin", tmp_path / "wrong-pin"
    pin_file.write_text(PIN + "\n")
    wrong_pin_file.write_text("9999-9999\n")
    env = os.environ | {"SOFTHSM2_CONF": str(softhsm), "EDS_CA_PASSPHRASE": PASSPHRASE.decode()}
    env.pop("EDS_CA_PIN", None)

    def eds(*args: str) -> subprocess.CompletedProcess:
        return run(EDS, "--home", str(home), "ca", *args, env=env)

    made = eds("init", "--pkcs11-module", MODULE, "--token-label", "eds-cli", "--pin-file", str(pin_file))
    assert made.returncode == 0, made.stderr
    assert "in token 'eds-cli'" in made.stdout
    csr = tmp_path / "request.csr"
    csr.write_bytes(make_csr())
    person_args = ["--iin", person().iin, "--surname", "Тестов", "--given-name", "Тест", "--profile", "sign"]
    person_args += ["--operator", "op-17", "--document", "N1234567"]

    refused_out = tmp_path / "refused.pem"
    refused = eds(
        "issue", "--csr", str(csr), *person_args, "--out", str(refused_out), "--pin-file", str(wrong_pin_file)
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "refused the PIN" in refused.stderr and "9999-9999" not in refused.stderr
    assert not refused_out.exists()
    assert json.loads(eds("list", "--format", "json").stdout) == []

    out = tmp_path / "cert.pem"
    issued = eds("issue", "--csr", str(csr), *person_args, "--out", str(out), "--pin-file", str(pin_file))
    assert issued.returncode == 0, issued.stderr
    chain = tmp_path / "chain.pem"
    assert eds("chain", "--out", str(chain)).returncode == 0
    verified = run("openssl", "verify", "-CAfile", str(chain), str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    crl = tmp_path / "ca.crl"
    published = eds("crl", "--out", str(crl), "--pin-file", str(pin_file))
    assert published.returncode == 0, published.stderr
    checked = run("openssl", "crl", "-inform", "DER", "-in", str(crl), "-CAfile", str(chain), "-noout")
    assert "verify OK" in checked.stdout + checked.stderr

    without_pin = eds("crl", "--out", str(crl))
    assert without_pin.returncode == 2 and "EDS_CA_PIN" in without_pin.stderr
