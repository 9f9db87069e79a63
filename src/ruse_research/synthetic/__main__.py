"""``python -m ruse_research.synthetic [--profile ID] --out DIR [--seed N]``: write the demonstration data."""

from __future__ import annotations

import argparse
import sys

from ruse_research.errors import RuseError
from ruse_research.synthetic import DEFAULT_SEED, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ruse_research.synthetic",
        description="Write the SYNTHETIC demonstration fieldwork (same seed => same bytes).")
    parser.add_argument("--profile", default=None,
                        help="region profile: an id under data/regions/ or a profile.yaml path "
                             "(default: $RUSE_RESEARCH_PROFILE, else ruse)")
    parser.add_argument("--out", required=True, help="folder to write into (created if needed)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    try:
        paths = write(args.out, seed=args.seed, profile=args.profile)
    except RuseError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
