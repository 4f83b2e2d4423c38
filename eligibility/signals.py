"""Signals of the eligibility app.

``criteria_changed`` is sent (after the transaction commits) when a trial's criteria
version is bumped; ``EligibilityConfig.ready()`` connects the receiver that queues the
re-evaluation of its saved screenings, so services never import tasks.
"""

from django.dispatch import Signal

#: Sent with ``trial_id`` once a change to the trial's criteria has committed.
criteria_changed = Signal()
