"""``python -m ruse_research`` runs the ``ruse-research`` command line."""

import sys

from ruse_research.cli import main

if __name__ == "__main__":
    sys.exit(main())
