"""The README's command reference names every command and every option (as sqlite-utils'
test_docs does): a new option without a line in the table fails here."""

from __future__ import annotations

import re

import click

from tests.helpers import ROOT
from tracker.cli import main


def _reference() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Commands")
    return text[start : text.index("\n## ", start + 1)]


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            out += _commands(command, path)
        else:
            out.append((path, command))
    return out


def test_every_command_and_option_is_in_the_readme():
    reference = _reference()
    rows = [line for line in reference.splitlines() if line.startswith("| `tracker")]
    missing: list[str] = []
    for path, command in _commands(main, "tracker"):
        mine = [row for row in rows if re.search(re.escape(f"`{path}") + r"[ `]", row)]
        if not mine:
            missing.append(path)
            continue
        for param in command.params:
            if (
                isinstance(param, click.Option)
                and not param.hidden
                and not any(
                    f"`{opt}" in row or f"[{opt}" in row or f" {opt}" in row
                    for opt in param.opts
                    for row in mine
                )
            ):
                missing.append(f"{path} {max(param.opts, key=len)}")
    for param in main.params:
        wanted = isinstance(param, click.Option) and param.opts[0] not in ("--version", "--help")
        if wanted and not any(o in reference for o in param.opts):
            missing.append(f"tracker {param.opts[0]}")
    assert not missing, f"not in the README's command reference: {missing}"
