"""`eds ca ...`: exit 0 done, 1 refused, 2 bad input; reasons on stderr."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess

import pytest
from ca_test_support import IIN, OTHER_IIN, make_csr, rsa_key
from click.testing import CliRunner
from cryptography import x509

from eds_toolkit.cli import main
from tests.hostile_csrs import csr_with_version

PASSPHRASE = "cli passphrase, long enough"
IN_PERSON = ("--operator", "op-17", "--document", "N1234567")  # the service-centre proof


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    result = CliRunner().invoke(
        main, ["--home", str(home), "ca", "init"], env={"EDS_CA_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 0, result.output
    return home


def eds(home, *args: str, passphrase: str | None = PASSPHRASE):
    env = {"EDS_CA_PASSPHRASE": passphrase}
    return CliRunner().invoke(main, ["--home", str(home), "ca", *args], env=env)


def key_for(iin: str, profile: str):
    """One key per IIN and profile, as the CA requires (the same key again is a renewal)."""
    return rsa_key(index=KEYS.setdefault((iin, profile), len(KEYS) + 100))


KEYS: dict[tuple[str, str], int] = {}


def issue(home, tmp_path, *, iin=IIN, csr_iin=IIN, profile="sign", name="cert.pem", extra=()):
    csr = tmp_path / f"{name}.csr"
    csr.write_bytes(make_csr(key_for(iin, profile), iin=csr_iin))
    out = tmp_path / name
    args = [
        "issue",
        "--csr",
        str(csr),
        "--iin",
        iin,
        "--surname",
        "Сейтқали",
        "--given-name",
        "Арман",
        *IN_PERSON,
    ]
    return eds(home, *args, "--patronymic", "Серікұлы", "--profile", profile, "--out", str(out), *extra), out


def auth_issue_args(tmp_path) -> list[str]:
    """`issue` of an AUTH certificate for IIN from a fresh CSR in ``tmp_path``; the caller adds ``--out``."""
    csr = tmp_path / "r.csr"
    csr.write_bytes(make_csr())
    return [
        "issue",
        "--csr",
        str(csr),
        "--iin",
        IIN,
        "--surname",
        "A",
        "--given-name",
        "B",
        *IN_PERSON,
        "--profile",
        "auth",
    ]


def test_init_refuses_an_existing_ca_with_exit_1(home):
    result = eds(home, "init")
    assert result.exit_code == 1
    assert "already exists" in result.stderr


def test_init_without_a_passphrase_is_bad_input(tmp_path):
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "ca", "init"], env={"EDS_CA_PASSPHRASE": None}
    )
    assert result.exit_code == 2
    assert "EDS_CA_PASSPHRASE" in result.stderr
    assert not (tmp_path / "ca" / "ca.json").exists()


def test_init_with_a_passphrase_file_and_names(tmp_path):
    passfile = tmp_path / "pass"
    passfile.write_text("a passphrase in a file\n")
    home = tmp_path / "home"
    args = [
        "--home",
        str(home),
        "ca",
        "init",
        "--passphrase-file",
        str(passfile),
        "--issuing-name",
        "MY CA TEST",
    ]
    result = CliRunner().invoke(
        main, [*args, "--base-url", "https://pki.example.kz"], env={"EDS_CA_PASSPHRASE": None}
    )
    assert result.exit_code == 0, result.output
    assert "MY CA TEST" in result.stdout
    assert json.loads((home / "ca" / "ca.json").read_text())["base_url"] == "https://pki.example.kz"


def test_chain_is_written_issuing_first(home, tmp_path):
    out = tmp_path / "chain.pem"
    result = eds(home, "chain", "--out", str(out), passphrase=None)
    assert result.exit_code == 0, result.output
    issuing, root = x509.load_pem_x509_certificates(out.read_bytes())
    assert issuing.issuer == root.subject == root.issuer


def test_chain_of_a_home_without_a_ca_is_refused(tmp_path):
    result = eds(tmp_path / "empty", "chain", "--out", str(tmp_path / "chain.pem"))
    assert result.exit_code == 1
    assert "eds ca init" in result.stderr


def test_issue_writes_a_certificate_openssl_verifies_and_prints_its_serial(home, tmp_path):
    result, out = issue(home, tmp_path)
    assert result.exit_code == 0, result.output
    serial = result.stdout.strip()
    certificate = x509.load_pem_x509_certificate(out.read_bytes())
    assert f"{certificate.serial_number:040x}" == serial
    assert "СЕЙТҚАЛИ АРМАН" in certificate.subject.rfc4514_string()
    chain = tmp_path / "chain.pem"
    eds(home, "chain", "--out", str(chain))
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(chain), str(out)], capture_output=True)
    assert verified.returncode == 0, verified.stderr


def test_issue_refusal_exits_1_with_the_reason_and_writes_nothing(home, tmp_path):
    result, out = issue(home, tmp_path, csr_iin=OTHER_IIN, name="refused.pem")
    assert result.exit_code == 1
    assert "iin_mismatch" in result.stderr and OTHER_IIN in result.stderr
    assert not out.exists()


def test_issue_with_a_bad_iin_or_a_malformed_csr_is_bad_input_exit_2_like_keystore_new(home, tmp_path):
    before = len(json.loads(eds(home, "list", "--format", "json").stdout))
    result, out = issue(home, tmp_path, iin="123456789011", csr_iin=None, name="bad-iin.pem")
    assert result.exit_code == 2
    assert "invalid_iin" in result.stderr and not out.exists()
    for name, content in (("garbage.csr", b"not a request"), ("empty.csr", b"")):
        (tmp_path / name).write_bytes(content)
        args = [
            "issue",
            "--csr",
            str(tmp_path / name),
            "--iin",
            IIN,
            "--surname",
            "A",
            "--given-name",
            "B",
            *IN_PERSON,
        ]
        result = eds(home, *args, "--profile", "sign", "--out", str(tmp_path / f"{name}.pem"))
        assert result.exit_code == 2 and "malformed_csr" in result.stderr, result.output
    assert len(json.loads(eds(home, "list", "--format", "json").stdout)) == before


def test_issue_with_a_csr_of_another_version_is_one_line_and_exit_2(home, tmp_path):
    csr = tmp_path / "v2.csr"
    csr.write_bytes(csr_with_version(IIN, 1))
    args = ["issue", "--csr", str(csr), "--iin", IIN, "--surname", "A", "--given-name", "B", *IN_PERSON]
    result = eds(home, *args, "--profile", "sign", "--out", str(tmp_path / "v2.pem"))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip().count("\n") == 0 and "malformed_csr" in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_issue_is_in_person_issuance_recorded_as_service_centre(home, tmp_path):
    result, out = issue(home, tmp_path, name="in-person.pem")
    assert result.exit_code == 0, result.output
    shown = json.loads(eds(home, "show", result.stdout.strip(), "--format", "json").stdout)
    assert shown["identification"] == "service_centre"
    certificate = x509.load_pem_x509_certificate(out.read_bytes())
    eku = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert not {oid.dotted_string for oid in eku} & {"1.2.398.3.3.4.3.2", "1.2.398.3.3.4.3.2.1"}


@pytest.mark.parametrize(
    "missing, code",
    [
        (("--operator", " ", "--document", "N1"), "operator_missing"),
        (("--operator", "op", "--document", ""), "document_missing"),
    ],
)
def test_issue_without_an_operator_or_document_is_refused_as_bad_input(home, tmp_path, missing, code):
    before = len(json.loads(eds(home, "list", "--format", "json").stdout))
    args = [a for a in auth_issue_args(tmp_path) if a not in IN_PERSON]
    result = eds(home, *args, *missing, "--out", str(tmp_path / "x.pem"))
    assert result.exit_code == 2, result.output
    assert code in result.stderr and not (tmp_path / "x.pem").exists()
    assert len(json.loads(eds(home, "list", "--format", "json").stdout)) == before


def test_issue_needs_the_in_person_options_and_has_no_remote_identification(home, tmp_path):
    args = [a for a in auth_issue_args(tmp_path) if a not in IN_PERSON]
    assert eds(home, *args, "--out", str(tmp_path / "x.pem")).exit_code == 2  # --operator is required
    remote = eds(home, *auth_issue_args(tmp_path), "--identification", "remote_digital_id", "--out", "y.pem")
    assert remote.exit_code == 2 and "No such option" in remote.output
    assert "remote identification" in " ".join(eds(home, "issue", "--help").output.lower().split())


def test_issue_never_overwrites_its_out_file_and_issues_nothing_then(home, tmp_path):
    before = len(json.loads(eds(home, "list", "--format", "json").stdout))
    out = tmp_path / "taken.pem"
    out.write_text("someone's file")
    result = eds(home, *auth_issue_args(tmp_path), "--out", str(out))
    assert result.exit_code == 1
    assert "already exists" in result.stderr and out.read_text() == "someone's file"
    assert len(json.loads(eds(home, "list", "--format", "json").stdout)) == before


@pytest.mark.parametrize(
    "url, shown",
    [
        (
            "postgresql+psycopg://operator:s3cret-pw@127.0.0.1:1/eds",
            "postgresql+psycopg://operator:***@127.0.0.1:1/eds",
        ),
        ("mongodb://operator:s3cret-pw@db/eds", "no database driver"),
        ("not a URL with s3cret-pw", "cannot be parsed"),
    ],
)
@pytest.mark.parametrize("command", [("list",), ("show", "ab" * 20), ("revoke", "ab" * 20)])
def test_an_unusable_database_is_one_error_line_without_its_password(tmp_path, url, shown, command):
    result = CliRunner().invoke(
        main, ["--home", str(tmp_path), "ca", *command], env={"EDS_DATABASE_URL": url}
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert shown in result.stderr and "s3cret-pw" not in result.output and "Traceback" not in result.output


def test_issue_with_a_wrong_passphrase_is_bad_input(home, tmp_path):
    args = auth_issue_args(tmp_path)
    result = eds(home, *args, "--out", str(tmp_path / "x.pem"), passphrase="a wrong passphrase!")
    assert result.exit_code == 2
    assert "does not decrypt" in result.stderr
    assert "a wrong passphrase!" not in result.output


def test_issue_with_an_unknown_profile_or_missing_csr_is_a_usage_error(home, tmp_path):
    result, _ = issue(home, tmp_path, profile="admin", name="p.pem")
    assert result.exit_code == 2
    missing = eds(home, "issue", "--csr", str(tmp_path / "absent.csr"), "--iin", IIN, "--surname", "A")
    assert missing.exit_code == 2


def test_issue_to_a_missing_directory_is_bad_input_and_issues_nothing(home, tmp_path):
    before = len(json.loads(eds(home, "list", "--format", "json").stdout))
    args = auth_issue_args(tmp_path)
    result = eds(home, *args, "--out", str(tmp_path / "no" / "such" / "dir.pem"))
    assert result.exit_code == 2
    assert len(json.loads(eds(home, "list", "--format", "json").stdout)) == before


def test_list_formats_and_filters(home, tmp_path):
    first, _ = issue(home, tmp_path, profile="auth", name="a.pem")
    serial = first.stdout.strip()
    as_json = json.loads(eds(home, "list", "--iin", IIN, "--format", "json").stdout)
    assert serial in {row["serial"] for row in as_json}
    assert {row["iin"] for row in as_json} == {IIN}
    rows = list(csv.DictReader(io.StringIO(eds(home, "list", "--format", "csv").stdout)))
    assert serial in {row["serial"] for row in rows}
    assert set(rows[0]) == {"serial", "iin", "profile", "status", "not_before", "not_after", "subject"}
    table = eds(home, "list").stdout
    assert table.splitlines()[0].startswith("SERIAL") and serial in table
    assert json.loads(eds(home, "list", "--iin", OTHER_IIN, "--format", "json").stdout) == []
    soon = json.loads(eds(home, "list", "--expiring-within", "400", "--format", "json").stdout)
    assert serial in {row["serial"] for row in soon}
    assert json.loads(eds(home, "list", "--expiring-within", "30", "--format", "json").stdout) == []
    assert eds(home, "list", "--status", "lost").exit_code == 2
    assert eds(home, "list", "--expiring-within", "-3").exit_code == 2


def test_show_revoke_and_crl(home, tmp_path):
    issued, _ = issue(home, tmp_path, name="r.pem")
    serial = issued.stdout.strip()
    shown = eds(home, "show", serial)
    assert shown.exit_code == 0 and "BEGIN CERTIFICATE" in shown.stdout and "valid" in shown.stdout
    assert json.loads(eds(home, "show", serial, "--format", "json").stdout)["serial"] == serial
    assert eds(home, "revoke", serial, "--reason", "key_compromise").exit_code == 0
    assert json.loads(eds(home, "show", serial, "--format", "json").stdout)["status"] == "revoked"
    again = eds(home, "revoke", serial)
    assert again.exit_code == 1 and "already revoked" in again.stderr
    assert (
        json.loads(eds(home, "list", "--status", "revoked", "--format", "json").stdout)[0]["serial"] == serial
    )
    crl, chain = tmp_path / "ca.crl", tmp_path / "chain.pem"
    eds(home, "chain", "--out", str(chain))
    assert eds(home, "crl", "--out", str(crl)).exit_code == 0
    checked = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(crl), "-CAfile", str(chain), "-noout", "-text"],
        capture_output=True,
        text=True,
    )
    assert "verify OK" in checked.stderr + checked.stdout
    assert serial.upper() in checked.stdout


def test_revoke_with_a_compromise_day_puts_the_invalidity_date_in_the_crl(home, tmp_path):
    serial = issue(home, tmp_path, name="c.pem")[0].stdout.strip()
    not_before = dt.datetime.fromisoformat(
        json.loads(eds(home, "show", serial, "--format", "json").stdout)["not_before"]
    )
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    refused = [
        eds(
            home, "revoke", serial, "--compromised-since", not_before.date().isoformat()
        ),  # reason unspecified
        eds(home, "revoke", serial, "--reason", "key_compromise", "--compromised-since", "last tuesday"),
        eds(home, "revoke", serial, "--reason", "key_compromise", "--compromised-since", tomorrow),
    ]
    assert [r.exit_code for r in refused] == [2, 2, 1]
    assert "only with --reason key_compromise" in refused[0].stderr and "ISO 8601" in refused[1].stderr
    assert "cannot be after the revocation" in refused[2].stderr
    assert (
        json.loads(eds(home, "show", serial, "--format", "json").stdout)["status"] == "valid"
    )  # nothing half-done

    since = (not_before + (dt.datetime.now(dt.UTC) - not_before) / 2).replace(
        microsecond=0
    )  # between the two
    revoked = eds(
        home, "revoke", serial, "--reason", "key_compromise", "--compromised-since", since.isoformat()
    )
    assert revoked.exit_code == 0, revoked.stderr
    shown = json.loads(eds(home, "show", serial, "--format", "json").stdout)
    assert dt.datetime.fromisoformat(shown["invalidity_date"]) == since
    crl, chain = tmp_path / "ca.crl", tmp_path / "chain.pem"
    eds(home, "chain", "--out", str(chain))
    assert eds(home, "crl", "--out", str(crl)).exit_code == 0
    text = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(crl), "-noout", "-text"],
        capture_output=True,
        text=True,
    ).stdout
    assert "Invalidity Date" in text and since.strftime("%b %e %H:%M:%S %Y GMT") in text


def test_show_and_revoke_of_an_unknown_serial_exit_1(home):
    assert eds(home, "show", "ab" * 20).exit_code == 1
    result = eds(home, "revoke", "ab" * 20)
    assert result.exit_code == 1 and "No certificate with serial" in result.stderr


def test_the_installed_eds_script_exits_with_the_same_codes(home, tmp_path):
    """The console script, not just the click object: scripts rely on the process exit status."""
    import shutil
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "eds"
    assert script.exists() or shutil.which("eds")
    env = {"PATH": "/usr/bin:/bin", "EDS_CA_PASSPHRASE": PASSPHRASE}
    done = subprocess.run([str(script), "--home", str(home), "ca", "list"], capture_output=True, env=env)
    refused = subprocess.run([str(script), "--home", str(home), "ca", "init"], capture_output=True, env=env)
    assert (done.returncode, refused.returncode) == (0, 1)
    assert b"already exists" in refused.stderr


def test_an_expired_certificate_is_listed_and_shown_as_expired(home, tmp_path):
    """The stored status stays valid; expired is derived from not_after and the time of the command."""
    import datetime as dt

    from ca_test_support import person

    from ca.authority import CertificateAuthority
    from ca.store import CertificateStore
    from eds_toolkit.db import make_engine

    store = CertificateStore(make_engine(f"sqlite:///{home / 'eds.sqlite3'}"))
    past = CertificateAuthority.load(home / "ca", PASSPHRASE.encode(), store)
    two_years_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=800)
    past = past.replace(clock=lambda: two_years_ago)
    old = past.issue(make_csr(key_for(OTHER_IIN, "sign"), iin=None), person(OTHER_IIN), "sign").record
    current, _ = issue(home, tmp_path, name="current.pem")
    assert current.exit_code == 0, current.output
    assert store.get(old.serial).status == "valid"  # the stored column: valid or revoked only

    expired = json.loads(eds(home, "list", "--status", "expired", "--format", "json").stdout)
    assert [row["serial"] for row in expired] == [old.serial] and expired[0]["status"] == "expired"
    valid = {
        row["serial"] for row in json.loads(eds(home, "list", "--status", "valid", "--format", "json").stdout)
    }
    assert current.stdout.strip() in valid and old.serial not in valid
    rows = {r["serial"]: r for r in csv.DictReader(io.StringIO(eds(home, "list", "--format", "csv").stdout))}
    assert rows[old.serial]["status"] == "expired" and rows[current.stdout.strip()]["status"] == "valid"
    table = [line for line in eds(home, "list", "--iin", OTHER_IIN).stdout.splitlines() if old.serial in line]
    assert table and " expired " in table[0]
    assert json.loads(eds(home, "show", old.serial, "--format", "json").stdout)["status"] == "expired"
    assert any(
        line.split() == ["status", "expired"] for line in eds(home, "show", old.serial).stdout.splitlines()
    )
    assert old.serial not in eds(home, "list", "--expiring-within", "400").stdout


def test_crl_publish_publishes_what_is_due_once_and_force_publishes_again(tmp_path):
    home = tmp_path / "home"
    assert eds(home, "init").exit_code == 0
    first = eds(home, "crl", "--publish")
    assert first.exit_code == 0, first.output
    assert "base CRL #" in first.output and "delta CRL #" in first.output
    again = eds(home, "crl", "--publish")
    assert again.exit_code == 0 and "nothing due" in again.output
    served = tmp_path / "served"
    served.mkdir()
    forced = eds(home, "crl", "--publish", "--force", "--dir", str(served))
    assert forced.exit_code == 0 and "base CRL #" in forced.output
    base = x509.load_der_x509_crl((served / "crl").read_bytes())
    delta = x509.load_der_x509_crl((served / "delta.crl").read_bytes())
    numbers = [c.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number for c in (base, delta)]
    assert f"base CRL #{numbers[0]}" in forced.output and numbers[1] == numbers[0] + 1
    assert not (served / "root.crl").exists()  # the root's CRL is published with --root only


def test_crl_root_is_signed_with_the_root_key_and_then_written_with_publish(tmp_path):
    home = tmp_path / "home"
    assert eds(home, "init").exit_code == 0
    out = tmp_path / "root.crl"
    made = eds(home, "crl", "--root", "--out", str(out), "--format", "pem")
    assert made.exit_code == 0 and "root CRL #1" in made.output, made.output
    root = x509.load_pem_x509_certificate((home / "ca" / "root.cer.pem").read_bytes())
    assert x509.load_pem_x509_crl(out.read_bytes()).is_signature_valid(root.public_key())
    assert "not due" in eds(home, "crl", "--root").output
    assert "root CRL #2" in eds(home, "crl", "--root", "--force").output
    (home / "ca" / "root.key.pem").rename(tmp_path / "offline.key.pem")
    elsewhere = eds(home, "crl", "--root", "--force")
    assert elsewhere.exit_code == 1 and "where the root key is kept" in elsewhere.output


def test_crl_options_that_do_not_go_together_are_bad_input(home):
    assert eds(home, "crl", "--publish", "--root").exit_code == 2
    assert eds(home, "crl").exit_code == 2
    assert eds(home, "crl", "--dir", "/tmp").exit_code == 2


def test_a_root_crl_signed_offline_is_imported_online_and_an_older_one_is_refused(tmp_path):
    import shutil

    online, offline = tmp_path / "online", tmp_path / "offline"
    assert eds(online, "init").exit_code == 0
    offline.mkdir()
    shutil.copytree(online / "ca", offline / "ca")  # the root's machine: the CA directory, its own database
    (online / "ca" / "root.key.pem").unlink()  # the online service never holds the root key
    older, newer = tmp_path / "older.crl", tmp_path / "newer.crl"
    assert eds(offline, "crl", "--root", "--out", str(older)).exit_code == 0
    assert eds(offline, "crl", "--root", "--force", "--out", str(newer), "--format", "pem").exit_code == 0

    imported = eds(online, "crl", "--import", str(newer))
    assert imported.exit_code == 0 and "root CRL #2" in imported.output, imported.output
    refused = eds(online, "crl", "--import", str(older))
    assert refused.exit_code == 1 and "never put back" in refused.output
    other = tmp_path / "other"
    assert eds(other, "init").exit_code == 0
    foreign = tmp_path / "foreign.crl"
    assert eds(other, "crl", "--root", "--out", str(foreign)).exit_code == 0
    assert "not signed by this CA's root" in eds(online, "crl", "--import", str(foreign)).output
    served = tmp_path / "served"
    served.mkdir()
    assert eds(online, "crl", "--publish", "--dir", str(served)).exit_code == 0
    assert (
        x509.load_der_x509_crl((served / "root.crl").read_bytes())
        .extensions.get_extension_for_class(x509.CRLNumber)
        .value.crl_number
        == 2
    )


def test_crl_status_shows_each_published_crl_with_its_age_and_whether_it_is_overdue(tmp_path):
    home = tmp_path / "home"
    assert eds(home, "init").exit_code == 0
    assert json.loads(eds(home, "crl", "--status").output) == []
    assert eds(home, "crl", "--publish").exit_code == 0
    assert eds(home, "crl", "--root").exit_code == 0
    rows = {row["crl"]: row for row in json.loads(eds(home, "crl", "--status", passphrase=None).output)}
    assert set(rows) == {"base", "delta", "root"}
    assert rows["delta"]["base_number"] == rows["base"]["number"] == rows["delta"]["number"] - 1
    assert rows["root"]["number"] == 1 and not any(row["overdue"] for row in rows.values())
    assert all(0 <= row["age_seconds"] < 600 for row in rows.values())
