"""Shared test settings: the repository root is importable (for ``tools``)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Property tests: the same examples on every run (reproducible CI), no per-example deadline
# (a loaded 2-core machine must not turn a slow example into a failure), no example database.
from hypothesis import settings  # noqa: E402

settings.register_profile("course", derandomize=True, deadline=None, database=None)
settings.load_profile("course")
