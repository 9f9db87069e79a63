"""Root pytest configuration: loaded for tests/, notebooks/ (nbval) and src/ (doctests).

The numeric nbval comparison lives in ``tests/nbval_numeric.py``; ``tests/`` is put on the path by
its folder because another installed distribution ships a top-level ``tests`` package.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

pytest_plugins = ["nbval_numeric"]
