"""``python -m ruse_research.synthetic [--profile ID] --out DIR [--seed N]``: write the demonstration data.

``--every-profile`` (instead of ``--profile``/``--out``) writes each profile's data under
``data/regions/`` into that profile's own ``data_dir``, when the folder already holds this
generator's ``truth.json`` (a folder of real exports is never written into; it is named as
skipped). ``nox -s demo_data`` runs it.
"""

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
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="folder to write into (created if needed)")
    target.add_argument("--every-profile", action="store_true",
                        help="every profile under data/regions/ into its own data_dir, when that folder "
                             "holds synthetic data (truth.json)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    try:
        if args.every_profile:
            if args.profile is not None:
                parser.error("--profile and --every-profile exclude each other")
            for line in write_every_profile(seed=args.seed):
                print(line)
            return 0
        paths = write(args.out, seed=args.seed, profile=args.profile)
    except RuseError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    for p in paths:
        print(p)
    return 0


def write_every_profile(seed: int = DEFAULT_SEED) -> list[str]:
    """Regenerate each profile's synthetic data in its ``data_dir``; one line per profile."""
    from ruse_research import paths
    from ruse_research.data import profile

    lines = []
    base = paths.resolve(profile.REGIONS_DIR)
    for path in sorted(base.glob("*/profile.yaml")):
        prof = profile.load(path.parent.name)
        folder = paths.resolve(prof.data_dir)
        if not (folder / "truth.json").is_file():
            lines.append(f"skipped {prof.id}: {prof.data_dir} holds no truth.json, so it may hold "
                         "real exports; write its demonstration data with --profile ID --out DIR")
            continue
        written = write(folder, seed=seed, profile=path.parent.name)
        lines.append(f"wrote {prof.id}: {len(written)} files into {prof.data_dir}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
