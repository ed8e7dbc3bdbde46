"""interview-qa eval package."""
