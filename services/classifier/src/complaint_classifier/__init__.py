"""The classifier service."""
