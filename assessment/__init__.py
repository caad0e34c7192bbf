"""Assessment: grading submitted notebooks (grade), the sandbox that runs student code (sandbox, worker), marking written answers (written)."""
