"""`python -m bench [build|server|weight|preview] [options]`; with no name, runs all four."""

from __future__ import annotations

import sys

from . import build, preview, server, weight

BENCHMARKS = {"build": build.main, "preview": preview.main, "server": server.main, "weight": weight.main}


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0] in BENCHMARKS:
        return BENCHMARKS[argv[0]](argv[1:])
    if argv:
        print(f"python -m bench: unknown benchmark {argv[0]!r}; choose among {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name, run in BENCHMARKS.items():
        print(f"== {name}")
        status = run([]) or status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
