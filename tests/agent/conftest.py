"""Fixtures for the agent: a real test CA, an in-process issuance, and `eds agent` as a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ca.authority import CertificateAuthority
from ca.config import CAConfig
from ca.store import CertificateStore
from eds_agent.confirmation import ScriptedConfirmer
from eds_agent.issuance import Issuance
from eds_toolkit.db import make_engine
from national_profile.iin import make_iin
from tests.agent.desktop import Desktop
from tests.e2e.eds import serve_command, serve_env
from tests.e2e.services import free_port, start_service
from tests.evidence_free import StatedPerson

REPO = Path(__file__).resolve().parents[2]
EDS = REPO / ".venv" / "bin" / "eds"
PASSWORD = "Tuz-Kala 2026 kilt"  # what the citizen invents in these tests
PORTAL = "http://portal.test:5000"

IIN_A = make_iin(dt.date(1990, 3, 14), "F", 1234)
IIN_B = make_iin(dt.date(1985, 7, 1), "M", 4321)


@dataclass(frozen=True)
class Citizen:
    iin: str
    surname: str
    given_name: str
    patronymic: str | None

    def person(self) -> StatedPerson:
        """As if the citizen flow had identified them (these tests are about the agent, not the proof)."""
        return StatedPerson(self.iin, self.surname, self.given_name, self.patronymic)


AIGERIM = Citizen(IIN_A, "Сейтқали", "Әйгерім", "Болатқызы")
ERLAN = Citizen(IIN_B, "Омаров", "Ерлан", None)


class LocalCA:
    """The project's real CA (ca/), initialised once per test session."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        store = CertificateStore(make_engine(f"sqlite:///{directory / 'ca.sqlite3'}"))
        store.create_schema()
        self.authority = CertificateAuthority.initialise(
            directory / "ca", b"test-ca-passphrase", CAConfig(), store=store
        )
        self.root_path = directory / "root.pem"
        self.root_path.write_bytes(self.authority.chain[-1].public_bytes(serialization.Encoding.PEM))
        self.chain_pem = self.authority.chain_pem().decode()

    def issue(self, csr_pem: str, citizen: Citizen, profile: str) -> str:
        return self.authority.issue(csr_pem.encode(), citizen.person(), profile).pem().decode()

    def issue_pair(self, requests: dict[str, str], citizen: Citizen) -> dict[str, str]:
        return {
            "authCertificate": self.issue(requests["authCsr"], citizen, "auth"),
            "signCertificate": self.issue(requests["signCsr"], citizen, "sign"),
            "chain": self.chain_pem,
        }


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> LocalCA:
    return LocalCA(tmp_path_factory.mktemp("test-ca"))


def make_keystores(ca: LocalCA, store: Path, citizen: Citizen, enrolment_id: str) -> list[Path]:
    """The whole issuance in-process: requests -> CA -> two keystores in ``store``."""
    issuance = Issuance(ScriptedConfirmer(yes=True), store=store)
    issuance.choose_store()
    requests = issuance.make_requests(
        enrolment_id,
        iin=citizen.iin,
        surname=citizen.surname,
        given_name=citizen.given_name,
        patronymic=citizen.patronymic,
    )
    certificates = ca.issue_pair(requests, citizen)
    installed = issuance.install_certificates(
        enrolment_id,
        auth_certificate=certificates["authCertificate"],
        sign_certificate=certificates["signCertificate"],
        chain=certificates["chain"],
        password=PASSWORD,
    )
    return [Path(p) for p in installed["files"]]


@pytest.fixture(scope="session")
def keystore_folder(test_ca, tmp_path_factory) -> Path:
    """A folder holding Aigerim's AUTH and SIGN keystores (made once; copy it before changing it)."""
    folder = tmp_path_factory.mktemp("eds-keys")
    make_keystores(test_ca, folder, AIGERIM, "enrol-aigerim")
    return folder


@pytest.fixture
def keys_copy(keystore_folder, tmp_path) -> Path:
    target = tmp_path / "eds-keys"
    shutil.copytree(keystore_folder, target)
    return target


def certificate_files(folder: Path) -> dict[str, Path]:
    files = {p.name.split("_")[0]: p for p in folder.glob("*.p12")}
    return {"auth": files["AUTH"], "sign": files["RSA256"]}


class RunningAgent:
    """`eds agent` started as a real subprocess on a free port."""

    def __init__(self, home: Path, args: list[str], env: dict[str, str] | None = None) -> None:
        self.home = home
        self._stderr: str | None = None
        self.process = subprocess.Popen(
            [str(EDS), "--home", str(home), "agent", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.banner = self._read_banner()
        match = re.search(r"(wss?)://127\.0\.0\.1:(\d+)/", self.banner)
        assert match, self.banner
        self.url = f"{match.group(1)}://127.0.0.1:{match.group(2)}"
        self.port = int(match.group(2))

    def _read_banner(self) -> str:
        deadline = time.monotonic() + 30
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"eds agent exited: {self.process.stderr.read()}")
            lines.append(line)
            if "listening on" in line:
                return "".join(lines)
        raise AssertionError("eds agent did not start in 30 s")

    @property
    def tls_certificate(self) -> Path:
        return self.home / "agent" / "agent-tls.crt"

    @property
    def tls_ca(self) -> Path:
        """The agent's local CA, which signs its TLS certificate (what `eds agent install` trusts)."""
        return self.home / "agent" / "agent-ca.crt"

    def stop(self) -> str:
        """Stop the agent (SIGTERM: it exits at once, as a crash would); its stderr. Again: the same."""
        if self._stderr is None:
            self.process.terminate()
            try:
                _, stderr = self.process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                _, stderr = self.process.communicate()
            self._stderr = stderr
        return self._stderr


@pytest.fixture
def start_agent(tmp_path):
    """start_agent(store=..., password=..., tls=False, yes=True, origins=[PORTAL], home=None, extra=[],
    env=None) -> RunningAgent. ``home`` given twice is the same agent started again (a restart)."""
    started: list[RunningAgent] = []

    def start(
        *,
        store: Path | None = None,
        password: str | None = PASSWORD,
        tls: bool = False,
        yes: bool = True,
        origins: tuple[str, ...] = (PORTAL,),
        home: Path | None = None,
        extra: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> RunningAgent:
        args: list[str] = []
        for origin in origins:
            args += ["--origin", origin]
        if not tls:
            args.append("--no-tls")
        if yes:
            args.append("--yes")
        if store is not None:
            args += ["--store", str(store)]
        if password is not None and yes:
            password_file = tmp_path / f"password-{len(started)}.txt"
            password_file.write_text(password + "\n")
            args += ["--password-file", str(password_file)]
        agent = RunningAgent(home or tmp_path / f"home-{len(started)}", [*args, *extra], env)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        stderr = agent.stop()
        assert PASSWORD not in stderr, "the keystore password leaked into the agent's log"


@pytest.fixture(scope="module")
def desktop():
    """A real X display (Xvfb) the agent's windows open on, driven with xdotool."""
    screen = Desktop()
    yield screen
    screen.stop()


def call(ws, module: str, method: str, args=None) -> dict:
    """Send one NCALayer request on an open connection and return the parsed reply."""
    request = {"module": module, "method": method}
    if args is not None:
        request["args"] = args
    ws.send(json.dumps(request))
    return json.loads(ws.recv(timeout=120))


def openssl(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], input=input, capture_output=True, timeout=60)


def load_certificate(pem: str | bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)


@dataclass(frozen=True)
class CMSVerdict:
    ok: bool
    content: bytes
    signer: x509.Certificate | None
    stderr: str


def verify_cms(
    signature: bytes,
    root: Path,
    workdir: Path,
    *,
    content: bytes | None = None,
    pem: bool = True,
    any_purpose=False,
) -> CMSVerdict:
    """``openssl cms -verify`` against the CA root (the chain travels inside the CMS)."""
    workdir.mkdir(parents=True, exist_ok=True)
    signature_file, signer_file, out_file = workdir / "sig", workdir / "signer.pem", workdir / "out.bin"
    signature_file.write_bytes(signature)
    args = ["cms", "-verify", "-binary", "-in", str(signature_file), "-inform", "PEM" if pem else "DER"]
    args += ["-CAfile", str(root), "-signer", str(signer_file), "-out", str(out_file)]
    if content is not None:
        content_file = workdir / "content.bin"
        content_file.write_bytes(content)
        args += ["-content", str(content_file)]
    if any_purpose:
        args += ["-purpose", "any"]
    for stale in (signer_file, out_file):
        stale.unlink(missing_ok=True)
    result = openssl(*args)
    ok = result.returncode == 0
    signer = load_certificate(signer_file.read_bytes()) if ok and signer_file.exists() else None
    return CMSVerdict(
        ok, out_file.read_bytes() if ok else b"", signer, result.stderr.decode(errors="replace")
    )


@pytest.fixture(scope="module")
def tsa_server(test_ca, tmp_path_factory):
    """`eds serve` with the agent tests' CA, so the TSA and the citizen chain to one root."""
    home = tmp_path_factory.mktemp("tsa-home")
    shutil.copytree(test_ca.root_path.parent / "ca", home / "ca")
    port = free_port()
    server = start_service(
        "eds-serve",
        serve_command(port),
        port=port,
        log_dir=home / "logs",
        env=serve_env(home, port, {"EDS_CA_PASSPHRASE": "test-ca-passphrase"}),
        http_path="/",
        timeout=90,
    )
    yield server
    server.stop()
