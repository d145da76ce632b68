"""Build the privacy-notice pages, or check the content without building.

python build.py [--content DIR] [--out DIR] [--base-url URL]
python build.py check [--content DIR] [--strict]
python build.py watch [--content DIR] [--out DIR]    rebuild on every change
python build.py schema
python build.py register [--site ID] [--lang fr|en] [--format csv|xlsx|ods|html] [--out PATH]
                                                    the record of processing activities (Art. 30)
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from privacy.cli import run_build, run_check, run_register, run_schema, run_watch
from privacy.codes import N_
from privacy.command_line import quiet_when_reader_goes, speak
from privacy.i18n import operator_language

DESCRIPTION = N_(
    """Build the privacy-notice pages, or check the content without building.

python build.py [--content DIR] [--out DIR] [--base-url URL]
python build.py check [--content DIR] [--strict]
python build.py watch [--content DIR] [--out DIR]    rebuild on every change
python build.py schema
python build.py register [--site ID] [--lang fr|en] [--format csv|xlsx|ods|html] [--out PATH]
                                                    the record of processing activities (Art. 30)"""
)


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    _ = speak()
    parser = argparse.ArgumentParser(description=_(DESCRIPTION), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "command", nargs="?", default="build", choices=["build", "check", "watch", "schema", "register"]
    )
    parser.add_argument(
        "--content", type=Path, default=Path("content"), help=_("the content folder (default: content/)")
    )
    parser.add_argument("--out", type=Path, help=_("the output folder (default: public/); with register: the file"))
    parser.add_argument(
        "--base-url", help=_("where the output folder is published, for canonical links and the sitemap")
    )
    parser.add_argument("--strict", action="store_true", help=_("with check: warnings count as errors"))
    parser.add_argument(
        "--lang",
        help=_("language of the messages, and of the record (default: from LANG; the record: the site's first)"),
    )
    parser.add_argument("--site", help=_("with register: the site (default: every site)"))
    parser.add_argument(
        "--format", choices=["csv", "xlsx", "ods", "html"], help=_("with register (default: from --out, else csv)")
    )
    args = parser.parse_args(argv)
    if own_process and args.command != "watch":
        # A one-shot process: reference counting frees nearly all it makes (a 500-site build leaves some 5,000
        # objects in cycles), while the cycle collector's passes over the libraries' objects took a tenth of a
        # one-site rebuild. `watch` runs for hours and keeps it.
        gc.disable()
    language = args.lang or operator_language()
    if args.command == "register":
        return run_register(args.content, args.site, language, args.lang, args.format, args.out)
    out = args.out or Path("public")
    if args.command == "check":
        return run_check(args.content, language, args.strict)
    if args.command == "watch":
        return run_watch(args.content, out, args.base_url, language)
    if args.command == "schema":
        return run_schema(args.content)
    return run_build(args.content, out, args.base_url, language)


if __name__ == "__main__":
    sys.exit(quiet_when_reader_goes(lambda: main(own_process=True)))
