"""The notifier's pure domain: calendars, deadline arithmetic, clocks, notice planning, recipients.

No I/O here besides the loaders that read the data files under deploy/.
"""

from .addressing import AddressedNotice, address
from .calendar import BusinessCalendar, CalendarRules, EndOfDay, add_months
from .calendar_file import load_calendar, load_calendars
from .classification import Classification, Condition
from .clock import Clock, SettableClock, SystemClock
from .clock_state import (
    ClockState,
    ClockStatus,
    ClockTransition,
    TransitionKind,
    cancel,
    pause,
    restart,
    resume,
    stable_id,
    start,
    stop,
)
from .directory import Directory, Recipient, load_directory, recipients
from .events import ComplaintEvent, from_envelope
from .files import DataFileError
from .notices import PlannedNotice, clock_notices, progress_notice, reminder_time
from .planning import (
    ComplaintPlan,
    apply_event,
    immediate_notices,
    next_progress_notice,
    notices_due,
    plan_complaint,
)
from .policy import (
    ClockSpec,
    DeadlinePolicy,
    DeliveryRule,
    ImmediateSpec,
    load_deadline_policies,
    load_deadline_policy,
)
from .redaction import Privacy, must_redact, redact_context, redact_text
from .rendering import ComplaintSummary, RenderedNotice, notice_context, render, step_title
from .units import Duration, Unit

__all__ = [
    "AddressedNotice",
    "BusinessCalendar",
    "CalendarRules",
    "Classification",
    "Clock",
    "ClockSpec",
    "ClockState",
    "ClockStatus",
    "ClockTransition",
    "ComplaintEvent",
    "ComplaintPlan",
    "ComplaintSummary",
    "Condition",
    "DataFileError",
    "DeadlinePolicy",
    "DeliveryRule",
    "Directory",
    "Duration",
    "EndOfDay",
    "ImmediateSpec",
    "PlannedNotice",
    "Privacy",
    "Recipient",
    "RenderedNotice",
    "SettableClock",
    "SystemClock",
    "TransitionKind",
    "Unit",
    "add_months",
    "address",
    "apply_event",
    "cancel",
    "clock_notices",
    "from_envelope",
    "immediate_notices",
    "load_calendar",
    "load_calendars",
    "load_deadline_policies",
    "load_deadline_policy",
    "load_directory",
    "must_redact",
    "next_progress_notice",
    "notice_context",
    "notices_due",
    "pause",
    "plan_complaint",
    "progress_notice",
    "recipients",
    "redact_context",
    "redact_text",
    "reminder_time",
    "render",
    "restart",
    "resume",
    "stable_id",
    "start",
    "step_title",
    "stop",
]
