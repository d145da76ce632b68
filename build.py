"""Build the privacy-notice pages, or check the content without building.

build.py [--content DIR] [--out DIR] [--base-url URL]
build.py check [--content DIR] [--strict]
build.py watch [--content DIR] [--out DIR]          rebuild on every change
build.py schema
build.py register [--site ID] [--lang fr|en] [--format csv|xlsx|ods|html] [--out PATH]
                                                    the record of processing activities (Art. 30)
build.py diff --site ID [OLD [NEW]]                 what changed, significant or editorial
build.py preview [--port 8001]                      the pages on localhost, repainted on every save
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from privacy.cli import run_build, run_check, run_diff, run_register, run_schema, run_watch
from privacy.codes import N_
from privacy.command_line import quiet_when_reader_goes, speak
from privacy.i18n import operator_language

DESCRIPTION = N_(
    """Build the privacy-notice pages, or check the content without building.

build.py [--content DIR] [--out DIR] [--base-url URL]
build.py check [--content DIR] [--strict]
build.py watch [--content DIR] [--out DIR]          rebuild on every change
build.py schema
build.py register [--site ID] [--lang fr|en] [--format csv|xlsx|ods|html] [--out PATH]
                                                    the record of processing activities (Art. 30)
build.py diff --site ID [OLD [NEW]]                 what changed, significant or editorial
build.py preview [--port 8001]                      the pages on localhost, repainted on every save"""
)


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    _ = speak()
    parser = argparse.ArgumentParser(description=_(DESCRIPTION), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "command",
        nargs="?",
        default="build",
        choices=["build", "check", "watch", "schema", "register", "diff", "preview"],
    )
    parser.add_argument(
        "versions", nargs="*", help=_("with diff: OLD [NEW] (default: the last published, the current)")
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
    parser.add_argument("--port", type=int, default=8001, help=_("with preview: the port on 127.0.0.1 (default: 8001)"))
    parser.add_argument(
        "--format", choices=["csv", "xlsx", "ods", "html"], help=_("with register (default: from --out, else csv)")
    )
    args = parser.parse_intermixed_args(argv)  # build.py diff --site ID 1.0 2.0: versions after options
    if own_process and args.command not in ("watch", "preview"):
        # A one-shot process: reference counting frees nearly all it makes (a 500-site build leaves some 5,000
        # objects in cycles), while the cycle collector's passes over the libraries' objects took a tenth of a
        # one-site rebuild. `watch` runs for hours and keeps it.
        gc.disable()
    language = args.lang or operator_language()
    if args.command == "preview":
        from privacy.preview import run_preview

        return run_preview(args.content, "127.0.0.1", args.port, language)
    if args.command == "diff":
        old, new = [*args.versions, None, None][:2]
        return run_diff(args.content, args.site, old, new, language)
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
