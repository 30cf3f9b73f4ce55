"""The classifier's team-written evaluation set: agreement per preset and on safety triggers."""
