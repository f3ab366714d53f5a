"""Read a PKCS#12 file's structure without the password: how it is protected, and its key-bag labels.

Used to tell a damaged file (CorruptKeystore) from a wrong password (WrongPassword), and by inspect to
report the protection read from the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import pkcs12

from keystore.errors import CorruptKeystore
from keystore.protection import describe_encryption

# Far above any real keystore (ours: 600,000; the national CA's: 1,024): a file asking for more would
# tie the program up for minutes, so it is refused as damaged or hostile before any work is done.
MAX_ITERATIONS = 10_000_000
_MAC_HASHES = {
    "sha1": "SHA-1",
    "sha224": "SHA-224",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
}


@dataclass(frozen=True)
class Protection:
    """One password-based encryption in the file: scheme name and iteration count."""

    scheme: str
    iterations: int


@dataclass(frozen=True)
class MacProtection:
    """The integrity MAC: hash (hashlib name), iterations, salt, the MAC itself, and what it covers."""

    hash_name: str
    iterations: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)
    covered: bytes = field(repr=False)

    @property
    def algorithm(self) -> str:
        return f"HMAC-{_MAC_HASHES.get(self.hash_name, self.hash_name)}"


@dataclass(frozen=True)
class PfxLayout:
    """The parts of a PFX that can be read without the password."""

    mac: MacProtection | None
    key_protection: list[Protection] = field(default_factory=list)
    certificate_protection: list[Protection] = field(default_factory=list)
    key_friendly_name: str | None = None
    key_local_key_id: bytes | None = None


def _corrupt(detail: str) -> CorruptKeystore:
    return CorruptKeystore(
        f"This file is not a readable PKCS#12 keystore ({detail}). It may be damaged or cut short: "
        "use the original .p12 file or a backup copy."
    )


def read_layout(data: bytes) -> PfxLayout:
    """Parse the PFX down to its bags; raise CorruptKeystore if any layer is unreadable."""
    if not data:
        raise _corrupt("the file is empty")
    try:
        pfx = pkcs12.Pfx.load(data, strict=True)
        if pfx["auth_safe"]["content_type"].native != "data":
            raise _corrupt("its contents are not password-protected data")
        covered = pfx["auth_safe"]["content"].native
        authenticated_safe = pkcs12.AuthenticatedSafe.load(covered, strict=True)
        mac = None
        mac_data = pfx["mac_data"]
        if mac_data.native is not None:
            mac = MacProtection(
                hash_name=mac_data["mac"]["digest_algorithm"]["algorithm"].native,
                iterations=int(mac_data["iterations"].native),
                salt=mac_data["mac_salt"].native,
                digest=mac_data["mac"]["digest"].native,
                covered=covered,
            )
        layout = PfxLayout(mac=mac)
        for content_info in authenticated_safe:
            kind = content_info["content_type"].native
            if kind == "encrypted_data":
                info = content_info["content"]["encrypted_content_info"]
                layout.certificate_protection.append(
                    Protection(*describe_encryption(info["content_encryption_algorithm"]))
                )
            elif kind == "data":
                bags = pkcs12.SafeContents.load(content_info["content"].native, strict=True)
                layout = _read_plain_bags(bags, layout)
            else:
                raise _corrupt(f"unexpected content of type {kind}")
        _refuse_implausible_counts(layout)
        return layout
    except CorruptKeystore:
        raise
    except (ValueError, TypeError, KeyError, OverflowError):
        raise _corrupt("its structure cannot be parsed") from None


def _refuse_implausible_counts(layout: PfxLayout) -> None:
    counts = [p.iterations for p in layout.key_protection + layout.certificate_protection]
    if layout.mac is not None:
        counts.append(layout.mac.iterations)
    if any(count > MAX_ITERATIONS or count < 1 for count in counts):
        raise _corrupt("its iteration counts are implausible; opening it could hang this program")


def _read_plain_bags(bags: pkcs12.SafeContents, layout: PfxLayout) -> PfxLayout:
    friendly_name, local_key_id = layout.key_friendly_name, layout.key_local_key_id
    for bag in bags:
        if bag["bag_id"].native != "pkcs8_shrouded_key_bag":
            continue
        layout.key_protection.append(
            Protection(*describe_encryption(bag["bag_value"]["encryption_algorithm"]))
        )
        for attribute in bag["bag_attributes"]:
            values = attribute["values"].native
            if attribute["type"].native == "friendly_name" and values:
                friendly_name = values[0]
            elif attribute["type"].native == "local_key_id" and values:
                local_key_id = values[0]
    return PfxLayout(
        mac=layout.mac,
        key_protection=layout.key_protection,
        certificate_protection=layout.certificate_protection,
        key_friendly_name=friendly_name,
        key_local_key_id=local_key_id,
    )
