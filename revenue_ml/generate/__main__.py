"""CLI: ``python -m revenue_ml.generate --scale S --seed N --out DIR [--only a,b]
[--as-of YYYY-MM-DD]``."""

from __future__ import annotations

import argparse
import sys
import time

from revenue_ml.generate import SOURCES, AsOfError, ScaleError, as_of_range, generate
from revenue_ml.generate.common import iso_day


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate the files and print one line per file; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m revenue_ml.generate", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="row-count multiplier (default 1)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", required=True, help="raw-data output directory")
    parser.add_argument(
        "--only", default="", help=f"comma-separated subset of: {','.join(SOURCES)}"
    )
    first, last = (iso_day(d) for d in as_of_range())
    parser.add_argument(
        "--as-of",
        default=None,
        metavar="YYYY-MM-DD",
        help=(
            f"the same world as known on that day of the world's clock ({first} .. {last} "
            "for every source; rows dated later absent, outcomes not yet known empty); "
            "default: the whole world"
        ),
    )
    args = parser.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()] or None
    start = time.perf_counter()
    try:
        generate(
            args.out, scale=args.scale, seed=args.seed, only=only, report=print, as_of=args.as_of
        )
    except (ScaleError, AsOfError) as exc:  # one line, no usage text: what, why, what works
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        parser.error(str(exc))
    except OSError as exc:  # e.g. the disk filled up or --out is not writable
        where = exc.filename or args.out
        print(f"{parser.prog}: error: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"done in {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
