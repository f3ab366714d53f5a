"""SMS reminders before a citizen's AUTH+SIGN pair expires, sent in resumable batches (docs/renewal.md).

``schedule`` decides which reminder is due, ``texts`` words it, ``run`` sends the due ones in chunks
(each reminder's state in ``renewal_reminders``, safe against a kill at any point), ``status`` counts a
renewal wave, ``lock`` keeps to one run at a time.
"""

from eds_toolkit.reminders.lock import RemindersBusy
from eds_toolkit.reminders.run import DueReminder, RunSummary, due_reminders, send_due_reminders
from eds_toolkit.reminders.schedule import ReminderPolicy
from eds_toolkit.reminders.status import WaveStatus, wave_status

__all__ = [
    "DueReminder",
    "ReminderPolicy",
    "RemindersBusy",
    "RunSummary",
    "WaveStatus",
    "due_reminders",
    "send_due_reminders",
    "wave_status",
]
