"""A real `eds serve` answers `openssl ocsp -url ... -nonce` from its live store, serves the CRLs the
shipped eds-crl.service publishes, and `openssl verify -crl_check -use_deltas` uses them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from deploy_units import SYSTEMD, Unit, base_environment, write_environment_file
from flow_helpers import KNOWN_IIN, free_port, make_csr_pem
from real_server import Serve

from ca.crl import publish_due
from ca.proofs.service_centre import ServiceCentreProof
from eds_toolkit.bootstrap import ca_directory
from eds_toolkit.services import build_service_context
from eds_toolkit.settings import Settings


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=60)


def publish_as_the_timer_does(tmp_path, home, *extra: str) -> subprocess.CompletedProcess:
    """The shipped eds-crl.service's command with its environment files (paths of this machine), with
    ``${EDS_CA_PASSPHRASE_FILE}`` expanded as systemd does."""
    etc = tmp_path / "etc"
    etc.mkdir(exist_ok=True)
    values = {"EDS_HOME": str(home), "EDS_DATABASE_URL": f"sqlite:///{home / 'eds.sqlite3'}"}
    write_environment_file(SYSTEMD / "eds.env", etc / "eds.env", values)
    passphrase = ca_directory(home) / "passphrase"  # the embedded test CA's
    unit = Unit.read(SYSTEMD / "eds-crl.service")
    command = [word.replace("${EDS_CA_PASSPHRASE_FILE}", str(passphrase)) for word in unit.command()]
    env = {**base_environment(), **unit.environment(etc)}
    return subprocess.run([*command, *extra], env=env, capture_output=True, text=True, timeout=120)


def test_openssl_talks_to_the_running_service(tmp_path, ca_template):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(ca_template, home / "ca")
    serve = Serve(home, free_port())
    settings = Settings.from_env(serve.env, home=home)
    ctx = build_service_context(settings)
    serve.start()
    try:
        authority = ctx.ca()
        proof = ServiceCentreProof(
            operator_id="op-1", document_number="N1", iin=KNOWN_IIN, surname="A", given_name="B"
        )
        issued = authority.issue(make_csr_pem(KNOWN_IIN), proof, "sign")
        chain, issuing, leaf = tmp_path / "chain.pem", tmp_path / "issuing.pem", tmp_path / "leaf.pem"
        chain.write_bytes(authority.chain_pem())
        issuing.write_bytes(authority.issuing_cert.public_bytes(serialization.Encoding.PEM))
        leaf.write_bytes(issued.pem())

        def ask_ocsp() -> str:
            asked = run(
                "openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-CAfile", str(chain),
                "-url", f"{serve.base}/pki/ocsp", "-nonce", "-resp_text",
            )  # fmt: skip
            output = asked.stdout + asked.stderr
            assert asked.returncode == 0 and "Response verify OK" in output, output
            assert "WARNING: no nonce in response" not in output and "OCSP Nonce" in output
            return output

        assert f"{leaf}: good" in ask_ocsp()

        published = publish_as_the_timer_does(tmp_path, home)
        assert published.returncode == 0 and "base CRL #" in published.stdout, published.stderr
        assert "nothing due" in publish_as_the_timer_does(tmp_path, home).stdout  # the next run

        ctx.ca().store.revoke(issued.record.serial, "key_compromise")  # another process than the server's
        assert f"{leaf}: revoked" in ask_ocsp()

        # An hour later the timer's run makes a delta that lists it (the base stays the one served before).
        later = authority.replace(clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61))
        assert publish_due(later).delta is not None
        files = {}
        for name in ("crl", "delta.crl"):
            answer = requests.get(f"{serve.base}/pki/{name}", timeout=10)
            assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pkix-crl"
            files[name] = tmp_path / name
            files[name].write_bytes(answer.content)
        base_text = run(
            "openssl", "crl", "-inform", "DER", "-in", str(files["crl"]), "-noout", "-text"
        ).stdout
        assert "X509v3 Freshest CRL" in base_text and "No Revoked Certificates" in base_text
        delta = x509.load_der_x509_crl(files["delta.crl"].read_bytes())
        assert [entry.serial_number for entry in delta] == [issued.certificate.serial_number]

        at = str(int((dt.datetime.now(dt.UTC) + dt.timedelta(minutes=62)).timestamp()))
        verify = ["openssl", "verify", "-crl_check", "-attime", at, "-CAfile", str(chain)]
        pem_crls = [str(tmp_path / f"{name}.pem") for name in files]
        for der_file, pem_file in zip(files.values(), pem_crls, strict=True):
            converted = run("openssl", "crl", "-inform", "DER", "-in", str(der_file), "-out", pem_file)
            assert converted.returncode == 0, converted.stderr
        crl_files = ["-CRLfile", pem_crls[0], "-CRLfile", pem_crls[1]]
        with_deltas = run(*verify, "-use_deltas", *crl_files, str(leaf))
        only_base = run(*verify, "-CRLfile", pem_crls[0], str(leaf))
        assert (
            with_deltas.returncode != 0 and "certificate revoked" in with_deltas.stdout + with_deltas.stderr
        )
        assert only_base.returncode == 0, only_base.stdout + only_base.stderr
    finally:
        serve.stop()
