"""Intake's ways in: the REST API and the subscriber of the submitted topic."""
