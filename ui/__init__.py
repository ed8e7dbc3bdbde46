"""interview-qa ui package."""
