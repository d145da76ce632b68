"""The rights-request feature: a form per site and language, requests kept in the register, mails delivered
through a transactional outbox, and the DPO's commands.

The server builds it as ``feature.RightsFeature`` (privacy/assembly.py); ``add_commands`` gives server.py the
DPO's commands. Heavy imports wait until they are needed: the build imports ``form_path``.
"""

from __future__ import annotations

import argparse


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``requests``, ``deliver`` and ``mail`` (each sets a ``handler``)."""
    from .cli import add_commands as add

    add(commands)
