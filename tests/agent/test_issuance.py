"""The issuance steps in-process: requests, pending keys, installing certificates, every refusal."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from eds_agent.confirmation import ScriptedConfirmer
from eds_agent.errors import (
    BadCertificate,
    BadRequest,
    CancelledByUser,
    DiskFull,
    EnrolmentMismatch,
    NoPendingRequest,
    StoreNotWritable,
    WeakKeystorePassword,
)
from eds_agent.issuance import PENDING_DIR, Issuance
from eds_agent.pending import PendingRecords
from keystore.pkcs12 import write_keystore

from .conftest import AIGERIM, ERLAN, PASSWORD, Citizen, openssl


def _request(issuance: Issuance, enrolment_id: str, citizen: Citizen = AIGERIM) -> dict[str, str]:
    return issuance.make_requests(
        enrolment_id,
        iin=citizen.iin,
        surname=citizen.surname,
        given_name=citizen.given_name,
        patronymic=citizen.patronymic,
    )


def _install(issuance: Issuance, enrolment_id: str, certificates: dict[str, str], password: str = PASSWORD):
    return issuance.install_certificates(
        enrolment_id,
        auth_certificate=certificates["authCertificate"],
        sign_certificate=certificates["signCertificate"],
        chain=certificates["chain"],
        password=password,
    )


@pytest.fixture
def store(tmp_path) -> Path:
    return tmp_path / "eds-keys"


@pytest.fixture
def issuance(store) -> Issuance:
    chosen = Issuance(ScriptedConfirmer(yes=True), store=store)
    chosen.choose_store()
    return chosen


def _keystores(store: Path) -> list[Path]:
    return sorted(store.glob("*.p12"))


def test_requests_are_csrs_for_the_person_and_the_keys_wait_encrypted(issuance, store):
    requests = _request(issuance, "enrol-1")

    for name in ("authCsr", "signCsr"):
        csr = x509.load_pem_x509_csr(requests[name].encode())
        assert csr.is_signature_valid
        serial = csr.subject.get_attributes_for_oid(x509.NameOID.SERIAL_NUMBER)[0].value
        assert serial == f"IIN{AIGERIM.iin}"
    assert requests["authCsr"] != requests["signCsr"]
    pending = store / PENDING_DIR / "enrol-1"
    for role in ("auth", "sign"):
        pem = (pending / f"{role}.key.pem").read_bytes()
        assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert stat.S_IMODE((pending / f"{role}.key.pem").stat().st_mode) == 0o600
        with pytest.raises((TypeError, ValueError)):
            serialization.load_pem_private_key(pem, password=None)
    assert "PRIVATE KEY" not in requests["authCsr"] + requests["signCsr"]
    assert issuance.list_keys()["pending"] == ["enrol-1"]


def test_installed_certificates_become_two_keystores_openssl_opens_with_the_password(
    issuance, store, test_ca
):
    certificates = test_ca.issue_pair(_request(issuance, "enrol-2"), AIGERIM)

    result = _install(issuance, "enrol-2", certificates)

    files = [Path(p) for p in result["files"]]
    assert sorted(p.name.split("_")[0] for p in files) == ["AUTH", "RSA256"]
    assert files == sorted(files, key=lambda p: not p.name.startswith("AUTH_"))
    for path in files:
        assert path.parent == store
        opened = openssl("pkcs12", "-in", str(path), "-passin", f"pass:{PASSWORD}", "-nokeys", "-clcerts")
        assert opened.returncode == 0, opened.stderr
        assert f"IIN{AIGERIM.iin}".encode() in opened.stdout
        refused = openssl("pkcs12", "-in", str(path), "-passin", "pass:wrong-Password-1", "-noout")
        assert refused.returncode != 0
    assert not (store / PENDING_DIR).exists(), "temporary keys must be removed"
    listed = issuance.list_keys()
    assert {k["type"] for k in listed["keystores"]} == {"AUTH", "SIGN"}
    assert listed["pending"] == []


def test_certificates_of_another_enrolment_are_refused_and_nothing_is_written(issuance, store, test_ca):
    _request(issuance, "enrol-mine")
    other = test_ca.issue_pair(_request(issuance, "enrol-other", ERLAN), ERLAN)

    with pytest.raises(EnrolmentMismatch, match="enrol-mine"):
        _install(issuance, "enrol-mine", other)

    assert _keystores(store) == []
    assert (store / PENDING_DIR / "enrol-mine" / "auth.key.pem").exists(), (
        "the request may still be completed"
    )


def test_auth_and_sign_certificates_swapped_are_refused(issuance, store, test_ca):
    certificates = test_ca.issue_pair(_request(issuance, "enrol-swap"), AIGERIM)
    swapped = dict(certificates, authCertificate=certificates["signCertificate"])

    with pytest.raises(EnrolmentMismatch):
        _install(issuance, "enrol-swap", swapped)
    assert _keystores(store) == []


def test_certificate_not_issued_by_the_given_chain_is_refused(issuance, store, test_ca, tmp_path):
    from .conftest import LocalCA

    certificates = test_ca.issue_pair(_request(issuance, "enrol-chain"), AIGERIM)
    stranger = LocalCA(tmp_path / "another-ca")

    with pytest.raises(BadCertificate, match="not issued by the given chain"):
        _install(issuance, "enrol-chain", dict(certificates, chain=stranger.chain_pem))
    assert _keystores(store) == []


def test_weak_password_is_refused_with_the_reason_and_nothing_is_written(issuance, store, test_ca):
    certificates = test_ca.issue_pair(_request(issuance, "enrol-weak"), AIGERIM)

    with pytest.raises(WeakKeystorePassword) as refused:
        _install(issuance, "enrol-weak", certificates, password=AIGERIM.iin)

    assert str(refused.value)
    assert AIGERIM.iin not in str(refused.value)
    assert _keystores(store) == []


def test_full_disk_on_the_second_keystore_leaves_no_keystore_and_the_request_can_be_retried(store, test_ca):
    calls: list[Path] = []

    def writer_that_fills_the_disk(directory, key, certificate, chain, password):
        if calls:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = write_keystore(directory, key, certificate, chain, password)
        calls.append(written)
        return written

    state = store.parent / "agent-home" / "agent" / "pending"
    issuance = Issuance(
        ScriptedConfirmer(yes=True), store=store, writer=writer_that_fills_the_disk, state_dir=state
    )
    issuance.choose_store()
    certificates = test_ca.issue_pair(_request(issuance, "enrol-full"), AIGERIM)

    with pytest.raises(DiskFull, match="full"):
        _install(issuance, "enrol-full", certificates)

    assert calls and not calls[0].exists(), "the first keystore must be removed again"
    assert [p for p in store.iterdir() if not p.name.startswith(".")] == []
    retry = Issuance(
        ScriptedConfirmer(yes=True), store=store, state_dir=state
    )  # space freed, agent restarted
    assert len(_install(retry, "enrol-full", certificates)["files"]) == 2


def test_a_folder_that_cannot_be_created_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    issuance = Issuance(ScriptedConfirmer(yes=True))

    with pytest.raises(StoreNotWritable, match="cannot write"):
        issuance.choose_store(blocker / "eds-keys")
    assert issuance.store is None


def test_installing_without_requests_is_refused(issuance, test_ca):
    with pytest.raises(NoPendingRequest, match="Make the requests again"):
        issuance.install_certificates(
            "never-requested", auth_certificate="", sign_certificate="", chain="", password=PASSWORD
        )


def test_bad_person_data_is_refused_before_any_key_is_made(issuance, store):
    wrong_check_digit = AIGERIM.iin[:11] + str((int(AIGERIM.iin[11]) + 1) % 10)
    with pytest.raises(BadRequest, match="check digit"):
        issuance.make_requests("enrol-x", iin=wrong_check_digit, surname="A", given_name="B")
    with pytest.raises(BadRequest, match="enrolment id"):
        issuance.make_requests("../../etc", iin=AIGERIM.iin, surname="A", given_name="B")
    assert not (store / PENDING_DIR).exists()


def test_enrolment_ids_may_start_with_a_dash_or_underscore(issuance, store):
    """The portal's ids are URL-safe base64 (``secrets.token_urlsafe``): any of its characters may lead."""
    requests = issuance.make_requests("-Xy_1", iin=AIGERIM.iin, surname="A", given_name="B")
    assert requests["enrolmentId"] == "-Xy_1" and "CERTIFICATE REQUEST" in requests["authCsr"]
    assert (store / PENDING_DIR / "-Xy_1").is_dir()


def test_a_citizen_who_declines_gets_no_keys(store):
    issuance = Issuance(ScriptedConfirmer(yes=False), store=store)

    with pytest.raises(CancelledByUser):
        _request(issuance, "enrol-no")
    assert not store.exists()


def test_damaged_pending_keys_are_reported_and_nothing_is_written(issuance, store, test_ca):
    certificates = test_ca.issue_pair(_request(issuance, "enrol-damaged"), AIGERIM)
    (store / PENDING_DIR / "enrol-damaged" / "sign.key.pem").write_bytes(b"garbage")

    with pytest.raises(NoPendingRequest, match="damaged"):
        _install(issuance, "enrol-damaged", certificates)
    assert _keystores(store) == []


def test_an_unexpected_failure_is_answered_not_fatal():
    from eds_agent.dispatcher import Dispatcher
    from eds_agent.modules import AgentModule

    def broken(args, origin):
        raise RuntimeError("bug")

    dispatcher = Dispatcher(
        [AgentModule("m", "common", {"x": broken}), AgentModule("b", "basics", {"x": broken})]
    )
    assert dispatcher.handle('{"module": "m", "method": "x"}', None)["code"] == "500"
    reply = dispatcher.handle('{"module": "b", "method": "x"}', None)
    assert reply["status"] is False and "unexpectedly" in reply["message"]


def _restartable(store: Path, state: Path, confirmer: ScriptedConfirmer | None = None) -> Issuance:
    """An agent's issuance as ``eds agent`` builds it: the waiting requests' records under ``state``."""
    return Issuance(confirmer or ScriptedConfirmer(yes=True), store=store, state_dir=state)


def test_the_waiting_keys_survive_a_restart_and_their_secret_is_kept_apart_in_a_private_file(
    store, tmp_path, test_ca
):
    state = tmp_path / "agent-home" / "agent" / "pending"
    before = _restartable(store, state)
    before.choose_store()
    certificates = test_ca.issue_pair(_request(before, "enrol-restart"), AIGERIM)
    del before  # the agent stops; nothing of it stays in memory

    record = state / "enrol-restart.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    secret = PendingRecords(state).get("enrol-restart").secret
    waiting = store / PENDING_DIR / "enrol-restart"
    assert all(secret.encode() not in path.read_bytes() for path in waiting.iterdir()), (
        "the secret must not lie beside the keys it opens"
    )

    after = _restartable(store, state)  # started again; no folder chosen in this run
    assert after.list_keys()["pending"] == ["enrol-restart"]
    result = _install(after, "enrol-restart", certificates)

    assert len(result["files"]) == 2 and result["folder"] == str(store)
    for path in result["files"]:
        assert openssl("pkcs12", "-in", path, "-passin", f"pass:{PASSWORD}", "-noout").returncode == 0
    assert not record.exists() and not waiting.exists()
    assert after.list_keys()["pending"] == []


def test_requests_again_for_a_waiting_enrolment_return_the_same_csrs_and_make_no_new_keys(
    store, tmp_path, test_ca
):
    state = tmp_path / "state"
    first_tab = _restartable(store, state)
    first_tab.choose_store()
    first = _request(first_tab, "enrol-twice")
    keys = {p.name: p.read_bytes() for p in (store / PENDING_DIR / "enrol-twice").iterdir()}
    asked = ScriptedConfirmer(yes=True)

    again = _request(_restartable(store, state, asked), "enrol-twice")  # a second tab, or after a restart

    assert (again["authCsr"], again["signCsr"]) == (first["authCsr"], first["signCsr"])
    assert again["folder"] == first["folder"] == str(store)
    assert {p.name: p.read_bytes() for p in (store / PENDING_DIR / "enrol-twice").iterdir()} == keys
    assert asked.questions == [], "nothing new is made, so nothing is asked"
    # the one pair the server issues for those CSRs installs, whichever tab finishes
    certificates = test_ca.issue_pair(again, AIGERIM)
    assert len(_install(first_tab, "enrol-twice", certificates)["files"]) == 2


def test_requests_for_a_waiting_enrolment_naming_another_person_are_refused(store, tmp_path):
    state = tmp_path / "state"
    issuance = _restartable(store, state)
    issuance.choose_store()
    mine = _request(issuance, "enrol-who")

    with pytest.raises(EnrolmentMismatch, match="another person"):
        _request(issuance, "enrol-who", ERLAN)

    assert _request(issuance, "enrol-who")["authCsr"] == mine["authCsr"], "the waiting keys are kept"


def test_waiting_keys_that_are_gone_are_made_anew_and_the_new_ones_install(store, tmp_path, test_ca):
    import shutil

    state = tmp_path / "state"
    issuance = _restartable(store, state)
    issuance.choose_store()
    lost = _request(issuance, "enrol-lost")
    shutil.rmtree(store / PENDING_DIR / "enrol-lost")  # the citizen deleted the hidden folder

    fresh = _request(_restartable(store, state), "enrol-lost")

    assert fresh["authCsr"] != lost["authCsr"]
    certificates = test_ca.issue_pair(fresh, AIGERIM)
    assert len(_install(_restartable(store, state), "enrol-lost", certificates)["files"]) == 2
