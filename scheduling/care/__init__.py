"""The point of care: the day of a visit and the record of what was done.

``attendance`` (check-in, no-show), ``checkin`` (day-of questions and the re-screening),
``previsit`` (the check linked from the reminder), ``recording`` (the session record and its
depth rules), ``reactions`` (alerts, adverse events, holds), ``selectors`` (what staff read of
them), ``rules`` (who records, what is a reason), ``models`` (day-of checks, alerts, adverse
events).
"""
