"""`eds agent`: the citizen's local signing agent; the command lives with the agent (eds_agent.command)."""

from __future__ import annotations

import click

from eds_agent.command import agent

COMMANDS: list[click.Command] = [agent]
