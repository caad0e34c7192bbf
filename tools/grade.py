"""Kept for old commands: ``python -m tools.grade`` is ``python -m assessment.grade`` (grading lives in ``assessment/``)."""

import sys

from assessment.grade import main

if __name__ == "__main__":
    sys.exit(main())
