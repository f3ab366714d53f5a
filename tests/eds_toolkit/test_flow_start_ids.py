"""Enrolment ids go to the operators' commands (``eds identify export ID``): never one that reads as an
option. One id in 64 would start with "-" if drawn plainly (a test once got "-E..." and click refused it)."""

from __future__ import annotations

import importlib
from unittest import mock

start = importlib.import_module("eds_toolkit.flow.start")  # the module (the package exports a function start)


def test_an_id_starting_with_a_dash_is_drawn_again():
    drawn = iter(["-Ebad" + "a" * 27, "good" + "b" * 28])
    with mock.patch.object(start.secrets, "token_urlsafe", lambda _n: next(drawn)):
        assert start.new_enrolment_id() == "good" + "b" * 28


def test_ids_are_32_url_safe_characters_that_never_start_with_a_dash():
    ids = [start.new_enrolment_id() for _ in range(2000)]
    assert all(len(i) == 32 and not i.startswith("-") for i in ids)
    assert len(set(ids)) == len(ids)
