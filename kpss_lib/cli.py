"""The ``kpss`` command: one sub-command per module in ``kpss_lib.commands``."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from kpss_lib.errors import KpssError

#: Sub-command modules, in the order ``kpss --help`` lists them.
COMMANDS = ("data", "territory", "indicators", "map", "plan", "run", "template")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpss",
        description="kpss – nástroje pro komunitní plánování sociálních služeb (KPSS). "
                    "Input data are read from KPSS_DATA_DIR, outputs go to KPSS_OUTPUT_DIR (default outputs/).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"kpss_lib.commands.{name}").register(subparsers)
    return parser


def _version() -> str:
    from kpss_lib.runner.manifest import package_version

    return package_version() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KpssError as exc:
        print(f"kpss {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kpss: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `kpss data | head`: the reader left; say nothing more and exit quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
