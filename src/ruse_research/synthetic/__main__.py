"""``python -m ruse_research.synthetic [--profile ID] --out DIR [--seed N]``: write the demonstration data.

``--every-profile`` (instead of ``--profile``/``--out``) writes each profile's data under
``data/regions/`` into that profile's own ``data_dir``, when the folder is marked synthetic
(its ``truth.json`` says ``"synthetic": true``, :func:`ruse_research.data.marker.is_synthetic`;
a folder of real exports is never written into: it is named as skipped). Two profiles that share
one ``data_dir`` stop it before anything is written. ``nox -s demo_data`` runs it.
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
                             "is marked synthetic (truth.json)")
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
    from ruse_research.data import marker, profile

    base = paths.resolve(profile.REGIONS_DIR)
    owner: dict = {}  # data folder -> (profile id, profile)
    for path in sorted(base.glob("*/profile.yaml")):
        prof = profile.load(path.parent.name)
        folder = paths.resolve(prof.data_dir)
        if folder in owner:  # the later profile would silently overwrite the earlier one's data
            raise profile.ProfileError(
                f"{prof.source}: data_dir {prof.data_dir} is also profile {owner[folder][0]!r}'s; give each "
                "profile its own data folder (for example data/regions/<id>/raw) and run again")
        owner[folder] = (path.parent.name, prof)
    lines = []
    for folder, (name, prof) in owner.items():
        if not marker.is_synthetic(folder):
            lines.append(f"skipped {prof.id}: {prof.data_dir} is not marked synthetic (truth.json with "
                         '"synthetic": true), so it may hold real exports; write its demonstration data '
                         "with --profile ID --out DIR")
            continue
        written = write(folder, seed=seed, profile=name)
        lines.append(f"wrote {prof.id}: {len(written)} files into {prof.data_dir}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
