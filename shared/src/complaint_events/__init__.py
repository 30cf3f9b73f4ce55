"""Typed, versioned event schemas shared by the complaint-handling services."""
