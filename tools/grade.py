"""Kept for old commands and imports: ``tools.grade`` is ``assessment.grade`` (grading lives in ``assessment/``)."""

import sys

from assessment import grade as _grade

if __name__ == "__main__":
    sys.exit(_grade.main())
else:
    sys.modules[__name__] = _grade
