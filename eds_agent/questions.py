"""What the agent asks the citizen, as data: each confirmer shows it in its own way.

A question carries who asks (the page's origin) and the facts to show (folder, IIN, documents,
keys); the windows (``windows.py``) and the terminal (``confirmation.TerminalConfirmer``) put them
into the citizen's words from one table (``messages.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from eds_agent.language import Language
from eds_agent.messages import MESSAGES, documents_word, say

LOCAL_PROGRAM = MESSAGES["local_program"]["en"]
"""Who asks when a request has no Origin (a local program, not a page); shown in the citizen's words."""

PREVIEW_CHARACTERS = 400


def shown_origin(origin: str, language: Language) -> str:
    """The page's origin as is; a request without one is a local program, said in words."""
    return origin if "://" in origin else say("local_program", language)


@dataclass(frozen=True)
class SigningRequest:
    """What a site wants a key for: signing documents (how many, their SHA-256, the first one's text
    when it is text) or, with ``documents == 0``, seeing a certificate."""

    documents: int = 0
    digests: tuple[str, ...] = ()
    preview: str | None = None
    key_type: str | None = None  # "AUTH" / "SIGN" when the site names the key's type

    @classmethod
    def of_documents(cls, payloads: list[bytes], key_type: str | None = None) -> SigningRequest:
        digests = tuple(hashlib.sha256(payload).hexdigest()[:16] for payload in payloads)
        try:
            text = payloads[0].decode("utf-8") if payloads else ""
        except UnicodeDecodeError:
            text = ""
        readable = text and all(c.isprintable() or c in "\n\r\t" for c in text)
        preview = text[:PREVIEW_CHARACTERS] if readable else None
        return cls(len(payloads), digests, preview, key_type)

    def digests_text(self) -> str:
        """The documents' SHA-256 prefixes (the first three): "SHA-256: 1f2e…, 9a0b… …"."""
        more = " …" if len(self.digests) > 3 else ""
        return "SHA-256: " + ", ".join(self.digests[:3]) + more

    def window_text(self, language: Language) -> str:
        if not self.documents:
            return say("show_certificate", language)
        key = "sign_with_key_type" if self.key_type else "sign_documents"
        words = documents_word(self.documents, language)
        return say(key, language, count=self.documents, documents=words, key_type=self.key_type)


@dataclass(frozen=True)
class KeyOption:
    """One key the citizen may choose: what it is for, whose, until when."""

    kind: str  # "AUTH" or "SIGN"
    owner: str
    iin: str | None
    valid_from: dt.date
    valid_to: dt.date
    file_name: str


@dataclass(frozen=True)
class PortalQuestion:
    """May the site ``origin`` use the agent (see its keys, ask to sign)? Asked once per site."""

    origin: str


@dataclass(frozen=True)
class FolderQuestion:
    """May the keys be kept in ``folder``? (The citizen may choose another.)"""

    origin: str
    folder: Path


@dataclass(frozen=True)
class MakeKeysQuestion:
    """May the AUTH and SIGN keys of ``iin`` be made in ``folder``?"""

    origin: str
    iin: str
    folder: Path


@dataclass(frozen=True)
class SaveQuestion:
    """May the two keystores be written into ``folder``?"""

    origin: str
    folder: Path


@dataclass(frozen=True)
class NewPasswordQuestion:
    """The password the citizen invents for the new keystores (checked against the policy for ``iin``)."""

    origin: str
    folder: Path
    iin: str


@dataclass(frozen=True)
class PasswordQuestion:
    """The password that opens the keystores in ``folder``, for ``request``."""

    origin: str
    request: SigningRequest
    folder: Path


@dataclass(frozen=True)
class KeyQuestion:
    """Which of ``keys`` serves ``request``."""

    origin: str
    request: SigningRequest
    keys: tuple[KeyOption, ...]


ConfirmQuestion = MakeKeysQuestion | SaveQuestion
