"""What every command of server.py and build.py shares with the person typing it.

Its words in the operator's language, argparse's own included (“usage:”, “options”…); the command as it works
here, for the hints a message or a mail gives (the installed ``privacy-notices``, or this virtual environment's
Python and the script, never a bare ``python`` that is not this one); and a quiet end when the command's reader
goes away (``server.py consent-log --site … | head``), as any Unix tool ends.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from .codes import N_
from .i18n import gettext, operator_language

# The console script pyproject.toml declares: server.py's commands, as installed.
CONSOLE_SCRIPT = "privacy-notices"
# The interpreter README's commands name: the virtual environment `make run` creates.
DOCUMENTED_PYTHON = ".venv/bin/python"
# What a shell answers for a command its reader left: 128 + SIGPIPE.
READER_GONE = 141
# argparse's own words, as its module says them (Python 3.11), marked for the catalogs.
ARGPARSE_WORDS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
)


def speak(language: str | None = None) -> Callable[[str], str]:
    """The operator's gettext, also given to argparse, whose help and errors are then in that language."""
    language = language or operator_language()

    def translate(message: str) -> str:
        return gettext(language, message)

    # argparse looks its words up through its module's ``_`` each time it says one.
    argparse._ = translate  # type: ignore[attr-defined]
    return translate


def _shown(path: str) -> str:
    """``path`` relative to the working folder when it lies under it (``.venv/bin/python``), else as it is."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _python() -> str:
    shown = _shown(sys.executable)
    return shown if os.sep in shown else f".{os.sep}{shown}"


def server_command() -> str:
    """How server.py's commands run here: the console script when that is how this process started, else this
    Python and server.py (a bare ``python`` may be another one, without the dependencies)."""
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if started is not None and started.name == CONSOLE_SCRIPT:
        return _shown(str(started)) if os.sep in sys.argv[0] else CONSOLE_SCRIPT
    return f"{_python()} server.py"


def build_command() -> str:
    return f"{_python()} build.py"


def documented_command(script: Literal["server.py", "build.py"]) -> str:
    """The command as README gives it, for what is read away from this machine's terminal (a web answer, a
    generated file): where this machine keeps its interpreter is nobody else's business."""
    return f"{DOCUMENTED_PYTHON} {script}"


def quiet_when_reader_goes(main: Callable[[], int]) -> int:
    """Runs ``main``; if whoever reads its output stops reading, ends without a traceback, as a shell tool does."""
    try:
        try:
            status = main()
        except SystemExit:  # argparse's --help and usage errors end so, what they wrote still to flush
            sys.stdout.flush()
            raise
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python would flush stdout again at exit, and fail again: point it at nothing first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return READER_GONE
