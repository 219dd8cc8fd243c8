"""Guided ROM assessment and home exercise sessions (docs/assessment.md).

``protocol`` (the assessment's phases), ``program`` (exercise programme files), ``live`` (the
state machine fed by IMU chunks), ``analysis`` (the stored numbers, offline), ``run`` (a
Device stream or a simulated wearer into a .kyr recording with phase NOTEs) and ``report``
(HTML sections and data for ``kyphos report`` / ``kyphos compare``).
"""
