"""No practitioner and no room is ever double-booked: PostgreSQL exclusion constraints.

Each constraint refuses two active appointments (booked, checked in, completed) whose blocked
ranges [start, blocked_until) overlap for the same practitioner, or for the same room. `[)`
lets 10:00–11:15 and 11:15–12:30 sit back to back; the service's buffer is inside the range.
The GiST indexes behind them also serve availability's range read.

SQLite has no equivalent: there, bookings are serialised by BEGIN IMMEDIATE (settings) and the
service re-checks the slot inside the transaction. So this migration does nothing on SQLite.
"""

from __future__ import annotations

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_practitioner_overlap
        EXCLUDE USING gist (practitioner_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_room_overlap
        EXCLUDE USING gist (room_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
BACKWARD = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_room_overlap",
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_practitioner_overlap",
]


def _run(statements: list[str]):  # noqa: ANN202
    def run(apps, schema_editor) -> None:  # noqa: ANN001
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
