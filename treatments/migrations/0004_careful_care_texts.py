"""Careful clinic wording for the default care steps (DOMAIN.md care timeline): 48–72 hours
without sweating, sauna or swimming and when to call; SPF 30+ every day as aftercare; results
fresher within a week, collagen for months. Only rows still holding the old default text change:
an admin's own wording stays. Self-contained."""

from django.db import migrations

TEXTS = {
    ("aftercare", 0): (
        "Redness like a mild sunburn is normal. Apply colostrum gel and hyaluronic acid. No make-up for 24 "
        "hours, and no exercise, sauna or swimming for 24 hours.",
        "Redness like a mild sunburn is normal for a day or two. Apply colostrum gel and hyaluronic acid. No "
        "make-up for 24 hours; no exercise or sweating, sauna or swimming for 48–72 hours. Call us, or a doctor, "
        "for spreading redness, pus, fever, a cold-sore outbreak, or pain after 72 hours.",
    ),
    ("aftercare", 1): (
        "Use a gentle cleanser and keep hydrating with hyaluronic acid. Wear SPF 30+ if you go out.",
        "Use a gentle cleanser and keep hydrating with hyaluronic acid. Sunscreen SPF 30+ every day from today, "
        "and little sun for a week: it is part of your aftercare, whatever your skin type.",
    ),
    ("results_check", 7): (
        "Results usually show within a week. Rate them and tell us of any reaction.",
        "Your skin may look fresher within a week, and collagen keeps building for 3–6 months. Rate your "
        'results, and if anything worries you, press "I have a problem": it reaches the spa at once.',
    ),
}


def reword(apps, schema_editor):
    CareStep = apps.get_model("treatments", "CareStep")
    for (kind, offset), (old, new) in TEXTS.items():
        CareStep.objects.filter(kind=kind, offset_days=offset, body=old).update(body=new)


class Migration(migrations.Migration):
    dependencies = [("treatments", "0003_seed_area_ceilings")]

    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
