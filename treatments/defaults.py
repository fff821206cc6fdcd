"""The default rules the spa ships with (DOMAIN.md). Slugs are part of the API: keep them.

Loaded idempotently by ``manage.py seed_defaults``: rows are matched by slug (natural key) and
only created when missing, so an admin's later edits are never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from treatments.models import (
    CareStep,
    Concern,
    Contraindication,
    DepthRule,
    Product,
    ReminderRule,
    Service,
    TreatmentArea,
)

AREAS = [
    ("forehead", "Forehead"),
    ("eye_area", "Around the eyes"),
    ("cheeks", "Cheeks"),
    ("nose", "Nose"),
    ("upper_lip", "Upper lip and mouth"),
    ("neck", "Neck"),
    ("decollete", "Décolleté"),
    ("body", "Body"),
]
# DOMAIN.md "Area ceilings" (mm): slug -> (ceiling, ceiling for scarring concerns or None: the same).
AREA_CEILINGS: dict[str, tuple[str, str | None]] = {
    "forehead": ("0.50", "1.50"),
    "eye_area": ("0.50", None),
    "nose": ("1.00", None),
    "upper_lip": ("1.00", None),
    "cheeks": ("2.00", None),
    "neck": ("1.50", None),
    "decollete": ("1.50", None),
    "body": ("2.00", None),
}

# slug, name, scarring, initial, max, interval min/max weeks
CONCERNS = [
    ("fine_lines", "Fine lines", False, 3, 4, 4, 6),
    ("wrinkles", "Wrinkles", False, 3, 4, 4, 6),
    ("texture_pores", "Skin texture and enlarged pores", False, 3, 4, 4, 6),
    ("pigmentation", "Pigmentation and sun damage", False, 3, 4, 4, 6),
    ("acne_scars", "Acne scarring (mild to moderate)", True, 3, 5, 4, 6),
    ("deep_acne_scars", "Deep acne scarring", True, 4, 6, 4, 6),
    ("surgical_scars", "Surgical and injury scars", True, 3, 6, 4, 6),
    ("stretch_marks", "Stretch marks", True, 4, 6, 4, 6),
]

# A yes to these asks for a date (the last dose): the waiting period counts from it.
ASKS_DATE = {"isotretinoin"}

_AREA_ORDER = [slug for slug, _ in AREAS]
# Rows of DOMAIN.md's depth table, columns in _AREA_ORDER; None: no rule (pair not offered).
_DEPTHS: dict[str, list[str | None]] = {
    "fine_lines": ["0.25-0.5", "0.25-0.5", "0.5-1.0", "0.25-0.5", "0.5-1.0", "0.5-1.0", "0.5-1.0", None],
    "wrinkles": ["0.5-1.0", "0.25-0.5", "1.0-1.5", None, "0.5-1.0", "0.5-1.5", "0.5-1.0", None],
    "texture_pores": ["0.5-1.0", None, "0.5-1.5", "0.5-1.0", "0.5-1.0", "0.5-1.0", "0.5-1.0", None],
    "pigmentation": ["0.25-0.5"] * 8,
    "acne_scars": ["0.5-1.0", None, "1.0-1.5", "0.5-1.0", None, None, None, "1.0-1.5"],
    "deep_acne_scars": ["1.0-1.5", None, "1.5-2.0", None, None, None, None, "1.5-2.0"],
    "surgical_scars": ["0.5-1.5", None, "1.0-2.0", None, "0.5-1.0", "1.0-1.5", "1.0-1.5", "1.5-2.0"],
    "stretch_marks": [None, None, None, None, None, None, None, "1.5-2.0"],
}

PRODUCTS = [
    (
        "colostrum_gel",
        "Colostrum gel",
        "Soothes and supports repair; apply right after treatment and for the first days.",
    ),
    ("hyaluronic_serum", "Hyaluronic acid serum", "Hydration; apply right after treatment and twice daily for a week."),
    ("sunscreen_spf30", "Broad-spectrum sunscreen SPF 30+", "Every day, from day one."),
]

# slug, name, question, severity, waiting days, advice
CONTRAINDICATIONS = [
    (
        "pregnancy",
        "Pregnancy",
        "Are you pregnant, or could you be?",
        "doctor_clearance",
        None,
        "Please consult your doctor first; we can book you once we have their clearance.",
    ),
    (
        "breastfeeding",
        "Breastfeeding",
        "Are you breastfeeding?",
        "doctor_clearance",
        None,
        "Please consult your doctor first; we can book you once we have their clearance.",
    ),
    (
        "isotretinoin",
        "Isotretinoin",
        "Have you taken isotretinoin (Roaccutane, Accutane) in the last 6 months?",
        "blocks",
        180,
        "Skin needling can be booked 6 months after your last dose.",
    ),
    (
        "active_infection",
        "Active skin infection",
        "Do you have an active skin infection, cold sore or open wound in the area?",
        "blocks",
        None,
        "Please wait until it has fully healed, then update your intake.",
    ),
    (
        "keloid",
        "Keloid scarring",
        "Do you form keloid or raised (hypertrophic) scars?",
        "blocks",
        None,
        "Skin needling is not suitable for skin that forms keloid scars.",
    ),
    (
        "sunburn",
        "Recent sunburn or tan",
        "Have you had sunburn or a fresh tan in the area in the last 2 weeks?",
        "blocks",
        14,
        "Your skin needs two weeks to recover before needling.",
    ),
    (
        "anticoagulants",
        "Blood thinners or bleeding disorder",
        "Do you take blood-thinning medication or have a bleeding disorder?",
        "doctor_clearance",
        None,
        "Please ask your doctor whether skin needling is safe for you.",
    ),
    (
        "immunosuppressed",
        "Weakened immune system",
        "Are you having chemotherapy, radiotherapy or other treatment that weakens your immune system?",
        "doctor_clearance",
        None,
        "Please ask your doctor whether skin needling is safe for you.",
    ),
    (
        "diabetes",
        "Diabetes",
        "Do you have diabetes?",
        "staff_review",
        None,
        "Your practitioner will talk healing with you before the session.",
    ),
    (
        "active_acne",
        "Active acne",
        "Do you have active, inflamed acne in the area?",
        "staff_review",
        None,
        "Your practitioner will check the area and may treat around it.",
    ),
    (
        "skin_condition",
        "Eczema, psoriasis or rosacea",
        "Do you have eczema, psoriasis or rosacea in the area?",
        "staff_review",
        None,
        "Your practitioner will check the area before treating.",
    ),
    (
        "injectables",
        "Recent Botox or fillers",
        "Have you had Botox or fillers in the last 2 weeks?",
        "staff_review",
        14,
        "We leave two weeks after injectables before needling the same area.",
    ),
    (
        "recent_resurfacing",
        "Recent peel or laser",
        "Have you had a chemical peel, laser or other resurfacing in the area in the last 4 weeks?",
        "blocks",
        28,
        "We leave four weeks after a peel or laser before needling the same area.",
    ),
    (
        "cold_sores",
        "Cold sores",
        "Do you get cold sores (herpes simplex)?",
        "advice",
        None,
        "Ask your doctor about antiviral cover before treatment near the lips.",
    ),
    (
        "retinoids",
        "Retinoids or acids",
        "Do you use retinol, retinoids or exfoliating acids?",
        "advice",
        None,
        "Stop them 3–5 days before and after treatment.",
    ),
    (
        "metal_allergy",
        "Steel or nickel allergy",
        "Are you allergic to stainless steel or nickel?",
        "staff_review",
        None,
        "Your practitioner will choose needles that suit you.",
    ),
    (
        "numbing_allergy",
        "Numbing cream reaction",
        "Have you reacted to a numbing cream (lidocaine, tetracaine) before?",
        "staff_review",
        None,
        "We can treat without numbing cream, or after a patch test.",
    ),
    (
        "skin_cancer",
        "Skin cancer or a changing mole",
        "Do you have skin cancer, or an unusual or changing mole, in the area?",
        "doctor_clearance",
        None,
        "Please see your doctor first: we need their written clearance before needling the area.",
    ),
    (
        "fillers",
        "Dermal fillers in the area",
        "Have you had dermal fillers in the area in the last 6 months?",
        "staff_review",
        180,
        "Needling over recent fillers can disturb them: your practitioner decides (Botox alone: two weeks).",
    ),
    (
        "autoimmune",
        "Autoimmune disease",
        "Do you have an autoimmune disease (lupus, scleroderma, vitiligo…)?",
        "doctor_clearance",
        None,
        "Autoimmune conditions can change how skin heals: we need your doctor's clearance first.",
    ),
]

# kind, offset days, send time (None: the session's time), title, body
CARE_STEPS = [
    (
        "pre_care",
        -5,
        dt.time(10, 0),
        "Getting ready",
        "Stop retinoids and exfoliating acids now. Avoid sun and tanning until your session, and tell us of any "
        "new medication.",
    ),
    (
        "pre_care",
        -1,
        dt.time(10, 0),
        "Tomorrow's session",
        "Arrive with clean skin and no make-up. Expect about 60 minutes: numbing cream, the treatment and a "
        "calming mask.",
    ),
    (
        "aftercare",
        0,
        None,
        "Right after your session",
        "Redness like a mild sunburn is normal for a day or two. Apply colostrum gel and hyaluronic acid. No "
        "make-up for 24 hours; no exercise or sweating, sauna or swimming for 48–72 hours. Call us, or a doctor, "
        "for spreading redness, pus, fever, a cold-sore outbreak, or pain after 72 hours.",
    ),
    (
        "aftercare",
        1,
        dt.time(9, 0),
        "Day one",
        "Use a gentle cleanser and keep hydrating with hyaluronic acid. Sunscreen SPF 30+ every day from today, "
        "and little sun for a week: it is part of your aftercare, whatever your skin type.",
    ),
    (
        "aftercare",
        3,
        dt.time(9, 0),
        "Day three",
        "Some flaking is normal: don't pick. Retinoids and acids can restart after day 5.",
    ),
    (
        "results_check",
        7,
        dt.time(10, 0),
        "How is your skin?",
        "Your skin may look fresher within a week, and collagen keeps building for 3–6 months. Rate your "
        'results, and if anything worries you, press "I have a problem": it reaches the spa at once.',
    ),
    (
        "tip",
        14,
        dt.time(10, 0),
        "Between sessions",
        "Sun protection every day, plenty of water, vitamins and natural skin care help the new collagen.",
    ),
]

# slug, name, minutes, buffer, price, needling, areas
SERVICES = [
    (
        "microneedling-face",
        "Microneedling: face",
        60,
        15,
        "180.00",
        True,
        ["forehead", "eye_area", "cheeks", "nose", "upper_lip"],
    ),
    (
        "microneedling-face-neck",
        "Microneedling: face and neck",
        75,
        15,
        "220.00",
        True,
        ["forehead", "eye_area", "cheeks", "nose", "upper_lip", "neck", "decollete"],
    ),
    ("microneedling-body", "Microneedling: body area", 90, 15, "250.00", True, ["body"]),
    ("consultation", "Consultation", 30, 0, "0.00", False, []),
]

REMINDERS = [(48, True), (2, False)]


def _depth_range(text: str) -> tuple[Decimal, Decimal]:
    low, high = text.split("-")
    return Decimal(low), Decimal(high)


Counter = Callable[[str, bool], None]


def _load_areas_and_products(count: Counter) -> tuple[dict[str, TreatmentArea], dict[str, Product]]:
    areas = {}
    for position, (slug, name) in enumerate(AREAS):
        ceiling, scars = AREA_CEILINGS[slug]
        areas[slug], was = TreatmentArea.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "position": position,
                "max_depth_mm": Decimal(ceiling),
                "max_depth_scarring_mm": Decimal(scars) if scars else None,
            },
        )
        count("areas", was)
    products = {}
    for slug, name, usage in PRODUCTS:
        products[slug], was = Product.objects.get_or_create(slug=slug, defaults={"name": name, "usage": usage})
        count("products", was)
    return areas, products


def _load_concerns(count: Counter, areas: dict[str, TreatmentArea], products: dict[str, Product]) -> None:
    for position, (slug, name, scarring, initial, most, low, high) in enumerate(CONCERNS):
        concern, was = Concern.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "is_scarring": scarring,
                "initial_sessions": initial,
                "max_sessions": most,
                "interval_min_weeks": low,
                "interval_max_weeks": high,
                "position": position,
            },
        )
        count("concerns", was)
        for area_slug, depth in zip(_AREA_ORDER, _DEPTHS[slug], strict=True):
            if depth is None:
                continue
            low_mm, high_mm = _depth_range(depth)
            rule, was = DepthRule.objects.get_or_create(
                concern=concern, area=areas[area_slug], defaults={"min_depth_mm": low_mm, "max_depth_mm": high_mm}
            )
            if was:
                rule.products.set(products.values())
            count("depth_rules", was)


def _load_screening_and_care(count: Counter) -> None:
    for position, (slug, name, question, severity, waiting, advice) in enumerate(CONTRAINDICATIONS):
        _, was = Contraindication.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "question": question,
                "severity": severity,
                "waiting_days": waiting,
                "advice": advice,
                "asks_date": slug in ASKS_DATE,
                "position": position,
            },
        )
        count("contraindications", was)
    for position, (kind, offset, send_time, title, body) in enumerate(CARE_STEPS):
        _, was = CareStep.objects.get_or_create(
            kind=kind,
            offset_days=offset,
            defaults={"send_time": send_time, "title": title, "body": body, "position": position},
        )
        count("care_steps", was)


def _load_services_and_reminders(count: Counter, areas: dict[str, TreatmentArea]) -> None:
    for position, (slug, name, minutes, buffer, price, needling, area_slugs) in enumerate(SERVICES):
        service, was = Service.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "duration_minutes": minutes,
                "buffer_minutes": buffer,
                "price": Decimal(price),
                "is_needling": needling,
                "position": position,
            },
        )
        if was:
            service.areas.set([areas[a] for a in area_slugs])
        count("services", was)
    for hours, pre_visit in REMINDERS:
        _, was = ReminderRule.objects.get_or_create(hours_before=hours, defaults={"include_pre_visit_check": pre_visit})
        count("reminder_rules", was)


@transaction.atomic
def load_default_rules() -> dict[str, int]:
    """Create every default rule that is missing; return how many rows were created per kind."""
    created: dict[str, int] = {}

    def count(kind: str, was_created: bool) -> None:
        created[kind] = created.get(kind, 0) + int(was_created)

    areas, products = _load_areas_and_products(count)
    _load_concerns(count, areas, products)
    _load_screening_and_care(count)
    _load_services_and_reminders(count, areas)
    return created
