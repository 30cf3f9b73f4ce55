"""The deadline engine's agreement with team-written scenarios (`make evaluate`).

Each scenario states a clock's due time worked out by hand from the source rule; the evaluation
first checks that hand value against an independent reckoning on the `chinesecalendar` data
(oracle.py, which shares no code with the notifier), then runs the notifier's planner on the
scenario's events and reports agreement per preset.
"""
