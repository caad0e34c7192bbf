"""Course tooling (authoring, benchmark); not needed by learners."""
