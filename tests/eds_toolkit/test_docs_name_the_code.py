"""README.md and docs/layout.md name what the tree has, and nothing it does not.

Every top-level package is named in both, every ``eds_toolkit`` subpackage in docs/layout.md, and every
``eds`` command (groups, their commands, nested groups) in README's command reference. The other way: an
``eds ...`` command written in README, layout.md or architecture-differences.md must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from eds_toolkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LAYOUT = ROOT / "docs" / "layout.md"
DIFFERENCES = ROOT / "docs" / "architecture-differences.md"

CODE_SPAN = re.compile(r"`((?:\.venv/bin/)?eds [^`]+)`")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
ENV_ASSIGNMENT = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+")
WORD = re.compile(r"[a-z][a-z0-9-]*")


def top_level_packages() -> list[str]:
    return sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")


def service_subpackages() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "eds_toolkit").glob("*/__init__.py"))


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``eds``, as the words that call it."""
    paths = []
    for name in group.list_commands(None):  # eds loads a command's module when asked for it
        command, path = group.get_command(None, name), (*prefix, name)
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
    return paths


def commands_written(text: str) -> list[str]:
    """What follows ``eds`` in the text's code spans and in its code blocks' command lines."""
    written = [m.group(1) for m in CODE_SPAN.finditer(FENCE.sub("", text))]
    for block in FENCE.findall(text):
        for line in block.splitlines()[1:-1]:
            line = ENV_ASSIGNMENT.sub("", line.split("#")[0].strip())
            if line.startswith(("eds ", ".venv/bin/eds ")):
                written.append(line)
    return [re.sub(r"^(?:\.venv/bin/)?eds\s+(?:--home\s+\S+\s+)?", "", w) for w in written]


def resolve(written: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """The command paths ``written`` names (``ca init \\| chain`` names ``ca init`` and ``ca chain``),
    and the words it uses as commands that ``eds`` does not have."""
    alternatives = [a.strip() for a in re.split(r"\\?\|", written.replace("[", " ").replace("]", " "))]
    named: list[tuple[str, ...]] = []
    unknown: list[str] = []
    group: click.Command = main
    path: tuple[str, ...] = ()
    for index, alternative in enumerate(alternatives):
        words = alternative.split()
        if index > 0:
            if not isinstance(group, click.Group) or not words or not WORD.fullmatch(words[0]):
                continue  # options or arguments of a command, not other commands
            words = words[:1]
            command, at = group, path
        else:
            command, at = main, ()
        for word in words:
            if not isinstance(command, click.Group) or not WORD.fullmatch(word):
                break
            if index == 0:
                group, path = command, at  # the later alternatives are commands of this group
            if word not in command.list_commands(None):
                unknown.append(" ".join((*at, word)))
                break
            command, at = command.get_command(None, word), (*at, word)
        if at:
            named.append(at)
    return named, unknown


def test_every_top_level_package_is_named_in_the_readme_and_the_layout():
    packages = top_level_packages()
    assert {"ca", "eds_toolkit", "keystore", "webcam_flow"} <= set(packages)
    for doc in (README, LAYOUT):
        text = doc.read_text(encoding="utf-8")
        missing = [p for p in packages if f"`{p}/`" not in text]
        assert not missing, f"{doc.name} does not name the packages {missing}"


def test_every_service_subpackage_is_named_in_the_layout():
    text = LAYOUT.read_text(encoding="utf-8")
    missing = [p for p in service_subpackages() if f"`{p}/`" not in text]
    assert not missing, f"docs/layout.md does not name eds_toolkit's {missing}"


def test_every_eds_command_is_in_the_readme():
    named = set()
    for written in commands_written(README.read_text(encoding="utf-8")):
        for path in resolve(written)[0]:
            named.update(path[:n] for n in range(1, len(path) + 1))
    missing = [" ".join(p) for p in command_paths() if p not in named]
    assert not missing, f"README.md's command reference lacks: eds {', eds '.join(missing)}"


@pytest.mark.parametrize("doc", [README, LAYOUT, DIFFERENCES], ids=lambda p: p.name)
def test_no_doc_names_an_eds_command_that_does_not_exist(doc):
    unknown = [u for w in commands_written(doc.read_text(encoding="utf-8")) for u in resolve(w)[1]]
    assert not unknown, f"{doc.name} names commands eds does not have: {unknown}"


def test_the_parser_tells_named_from_unknown():
    """The checks above are only as good as this reading of ``eds ...`` spans."""
    assert resolve(r"ca init \| chain \| crl")[0] == [("ca", "init"), ("ca", "chain"), ("ca", "crl")]
    assert resolve("identify review list | pictures")[0] == [
        ("identify", "review", "list"),
        ("identify", "review", "pictures"),
    ]
    assert resolve("agent [install|uninstall]")[0] == [("agent", "install"), ("agent", "uninstall")]
    assert resolve(r"ca crl --publish \| --force")[0] == [("ca", "crl")]
    assert resolve("purge --older-than 30") == ([], ["purge"])
    assert resolve("ca revoke-all | frobnicate")[1] == ["ca revoke-all", "ca frobnicate"]
    assert resolve("citizens add | frobnicate")[1] == ["citizens frobnicate"]
    assert commands_written("run `eds --home DIR ca list` and\n```sh\nEDS_X=1 eds serve &  # go\n```\n") == [
        "ca list",
        "serve &",
    ]
