"""Resources and availability: the spa's time.

Practitioners' working hours, time off and closures (``services``; the appointments a change
would strand in ``selectors``), what the engine reads
(``schedule_reads``), the engine itself (``availability`` on ``free_time``'s integer
arithmetic), the answer cache of the public API (``answer_cache``), the staff's day and week
(``schedule``) and the one signal of a bulk schedule write (``signals``). Imports no other room
at run time.
"""
