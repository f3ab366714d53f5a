"""Fill the kk and ru catalogues from a file of new translations (what helpers write while working).

The file holds blocks of lines, each value a double-quoted string (JSON escapes), a blank line apart::

    msgctxt "optional context"
    msgid "The English text, exactly as in the code"
    kk "Қазақша"
    ru "По-русски"

Run ``scripts/translations fill FILE``: it extracts and updates the catalogues, sets these texts
(clearing their "fuzzy" mark), compiles, and names any text it did not find in the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOGUES = Path(__file__).resolve().parents[1] / "eds_toolkit" / "translations"


def read_pending(path: Path) -> list[dict[str, str]]:
    """The blocks of ``path`` as dicts with msgid, kk, ru and maybe msgctxt."""
    blocks, block = [], {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            if block:
                blocks.append(block)
            block = {}
            continue
        key, _, value = line.partition(" ")
        if key not in {"msgctxt", "msgid", "kk", "ru"}:
            raise SystemExit(f"{path}:{number}: expected msgctxt, msgid, kk or ru, got {key!r}")
        block[key] = json.loads(value)
    if block:
        blocks.append(block)
    for block in blocks:
        if not {"msgid", "kk", "ru"} <= set(block):
            raise SystemExit(f"{path}: a block lacks msgid, kk or ru: {block}")
    return blocks


def fill(blocks: list[dict[str, str]]) -> list[str]:
    """Set each block's kk and ru texts; the msgids not found in the catalogues."""
    missing: set[str] = set()
    for language in ("kk", "ru"):
        po_path = CATALOGUES / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as file:
            catalogue = read_po(file)
        for block in blocks:
            message = catalogue.get(block["msgid"], context=block.get("msgctxt"))
            if message is None:
                missing.add(block["msgid"])
                continue
            message.string = block[language]
            message.flags.discard("fuzzy")
        with po_path.open("wb") as file:
            write_po(file, catalogue, width=0, ignore_obsolete=True)
    return sorted(missing)


if __name__ == "__main__":
    not_found = fill(read_pending(Path(sys.argv[1])))
    for msgid in not_found:
        print(f"not in the code (left out): {msgid}", file=sys.stderr)
    sys.exit(1 if not_found else 0)
