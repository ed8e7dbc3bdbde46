"""interview-qa assistant package."""
