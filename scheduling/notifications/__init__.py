"""Notifications: the outbox and its sending.

``outbox`` writes the rows in the transaction of the change that causes them (every room
calls it); ``selectors`` reads them; ``dispatch`` claims due rows and sends each once;
``tasks`` are Celery's thin wrappers around ``dispatch``; ``models`` holds the row.
"""
