"""What issuance hands back: the issued pair, and the server-made keystores with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedPair:
    """The two certificates (PEM) with the chain (issuing CA, then root), and their serials."""

    auth_pem: bytes
    sign_pem: bytes
    chain_pem: bytes
    auth_serial: str
    sign_serial: str
    superseded_serials: tuple[str, ...] = ()  # the IIN's earlier valid certificates, now revoked

    @classmethod
    def of(cls, issued: dict, chain_pem: bytes, superseded: list[str]) -> IssuedPair:
        """From the CA's two issued certificates (by profile: AUTH, SIGN) and the chain."""
        auth, sign = (issued[profile] for profile in sorted(issued, key=lambda p: p.name))
        return cls(
            auth_pem=auth.pem(),
            sign_pem=sign.pem(),
            chain_pem=chain_pem,
            auth_serial=auth.record.serial,
            sign_serial=sign.record.serial,
            superseded_serials=tuple(superseded),
        )


@dataclass(frozen=True)
class ServerKeystores:
    """The zip with the two .p12 files, each encrypted with the citizen's password; kept only until
    picked up (``pickup.py``)."""

    zip_bytes: bytes
    filenames: tuple[str, str]
    pair: IssuedPair
    delivered_again: bool = False  # the kept copy, handed out again (nothing was issued now)
