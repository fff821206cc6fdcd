"""Every doctor's clearance gets an expiry date: those without one end 12 months after the day
they were given (a clearance without an end lasted for ever). Self-contained."""

import datetime as dt

from django.db import migrations

DEFAULT_DAYS = 365


def set_expiry(apps, schema_editor):
    DoctorClearance = apps.get_model("clients", "DoctorClearance")
    for clearance in DoctorClearance.objects.filter(expires_on__isnull=True).only("pk", "cleared_on"):
        DoctorClearance.objects.filter(pk=clearance.pk).update(
            expires_on=clearance.cleared_on + dt.timedelta(days=DEFAULT_DAYS)
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_intake_answer_since")]

    operations = [migrations.RunPython(set_expiry, migrations.RunPython.noop)]
