"""Putting the agent together: configuration -> modules -> dispatcher -> server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eds_agent.confirmation import Confirmer
from eds_agent.dispatcher import Dispatcher
from eds_agent.issuance import Issuance, KeystoreWriter, default_store
from eds_agent.modules import basics, common_utils
from eds_agent.modules import issuance as issuance_module
from eds_agent.portals import Portals
from eds_agent.server import AgentServer
from eds_agent.timestamping import TsaClient, timestamped
from eds_agent.tls import ensure_tls_certificate, server_context

DEFAULT_PORT = 13579


@dataclass(frozen=True)
class AgentConfig:
    """What ``eds agent`` is started with."""

    home: Path
    port: int = DEFAULT_PORT
    origins: tuple[str, ...] = ()
    tls: bool = True
    store: Path | None = None
    key_algorithm: str = "rsa2048"
    tsa_url: str | None = None  # the time-stamp server for CAdES-T (RFC 3161 over HTTP)

    @property
    def agent_dir(self) -> Path:
        """The agent's own folder: its TLS certificate and the records of waiting key requests."""
        return self.home / "agent"

    @property
    def pending_dir(self) -> Path:
        return self.agent_dir / "pending"

    @property
    def portals_file(self) -> Path:
        """The sites the citizen allowed, one origin a line (``eds agent portals`` lists them)."""
        return self.agent_dir / "portals.txt"


def build_dispatcher(issuance: Issuance, confirmer: Confirmer, tsa: TsaClient | None = None) -> Dispatcher:
    """All modules the agent answers, sharing one issuance state; a page signs with the keys of the folder
    it chose (its connection's: another page's choice never changes it)."""

    def current_folder() -> Path:
        return issuance.store or issuance.preset_store or default_store()

    names = [basics.NAME, common_utils.NAME, issuance_module.NAME]
    return Dispatcher(
        [
            basics.make_module(current_folder, confirmer, tsa),
            common_utils.make_module(
                current_folder, confirmer, (lambda der: timestamped(der, tsa)) if tsa is not None else None
            ),
            issuance_module.make_module(issuance, names),
        ]
    )


def build_server(
    config: AgentConfig, confirmer: Confirmer, *, writer: KeystoreWriter | None = None
) -> tuple[AgentServer, Path | None, bool]:
    """The server, the TLS certificate path (None with ``tls=False``) and whether it was just made."""
    issuance = Issuance(
        confirmer,
        store=config.store,
        key_algorithm=config.key_algorithm,
        writer=writer,
        state_dir=config.pending_dir,
    )
    dispatcher = build_dispatcher(issuance, confirmer, TsaClient(config.tsa_url) if config.tsa_url else None)
    cert_path, created, context = None, False, None
    if config.tls:
        cert_path, key_path, created = ensure_tls_certificate(config.agent_dir)
        context = server_context(cert_path, key_path)
    portals = Portals(config.origins, config.portals_file)
    server = AgentServer(
        dispatcher, port=config.port, portals=portals, confirmer=confirmer, ssl_context=context
    )
    return server, cert_path, created
