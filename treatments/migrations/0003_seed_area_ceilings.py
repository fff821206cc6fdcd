"""Seed the area ceilings of DOMAIN.md on existing areas, and mark isotretinoin as asking the
date of the last dose. Self-contained (no import of app code); idempotent."""

from decimal import Decimal

from django.db import migrations

CEILINGS = {
    "forehead": ("0.50", "1.50"),
    "eye_area": ("0.50", None),
    "nose": ("1.00", None),
    "upper_lip": ("1.00", None),
    "cheeks": ("2.00", None),
    "neck": ("1.50", None),
    "decollete": ("1.50", None),
    "body": ("2.00", None),
}


def seed(apps, schema_editor):
    TreatmentArea = apps.get_model("treatments", "TreatmentArea")
    Contraindication = apps.get_model("treatments", "Contraindication")
    for slug, (ceiling, scars) in CEILINGS.items():
        TreatmentArea.objects.filter(slug=slug).update(
            max_depth_mm=Decimal(ceiling), max_depth_scarring_mm=Decimal(scars) if scars else None
        )
    Contraindication.objects.filter(slug="isotretinoin").update(asks_date=True)


class Migration(migrations.Migration):
    dependencies = [("treatments", "0002_area_ceilings_core_floors")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
