"""One client, one place: PostgreSQL refuses two active appointments of a client that overlap.

The client's own time is [start, end): the practitioner's buffer (cleaning) is not hers, so
10:00–11:00 and 11:00–12:00 may follow each other. Like 0002, nothing happens on SQLite, where
bookings are serialised by BEGIN IMMEDIATE and the booking service re-checks her diary inside
the transaction.
"""

from __future__ import annotations

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_client_overlap
        EXCLUDE USING gist (client_id WITH =, tstzrange(start, "end", '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
BACKWARD = ["ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_client_overlap"]


def _run(statements: list[str]):  # noqa: ANN202
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0003_client_spacing_policy_idempotency")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
