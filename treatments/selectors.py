"""Reads and computations on the catalogue: the recommendation lives here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from treatments.errors import TreatmentsError
from treatments.models import CareStep, Concern, DepthRule, Product, Service, TreatmentArea


@dataclass(frozen=True)
class CareItem:
    kind: str
    offset_days: int
    title: str
    body: str


@dataclass(frozen=True)
class CoursePrice:
    """What a course costs: ``sessions`` × the session price, and up to ``sessions_max`` of them."""

    per_session: Decimal
    sessions: int
    sessions_max: int

    @property
    def total(self) -> Decimal:
        return self.per_session * self.sessions

    @property
    def total_max(self) -> Decimal:
        return self.per_session * max(self.sessions_max, self.sessions)

    @property
    def is_range(self) -> bool:
        return self.total_max > self.total


def course_price(*, service: Service | None, sessions: int, sessions_max: int) -> CoursePrice | None:
    if service is None:
        return None
    return CoursePrice(per_session=service.price, sessions=sessions, sessions_max=sessions_max)


@dataclass(frozen=True)
class Recommendation:
    concern: Concern
    area: TreatmentArea
    rule: DepthRule
    depth_min_mm: Decimal
    depth_max_mm: Decimal
    sessions_initial: int
    sessions_max: int
    interval_min_weeks: int
    interval_max_weeks: int
    aftercare: list[CareItem]
    products: list[Product]
    service: Service | None

    @property
    def course_price(self) -> CoursePrice | None:
        return course_price(service=self.service, sessions=self.sessions_initial, sessions_max=self.sessions_max)

    def as_dict(self) -> dict[str, object]:
        """The API's shape (SPEC.md: GET recommendation)."""
        return {
            "concern": self.concern.slug,
            "area": self.area.slug,
            "depth_mm": {"min": float(self.depth_min_mm), "max": float(self.depth_max_mm)},
            "sessions": {"initial": self.sessions_initial, "max": self.sessions_max},
            "interval_weeks": {"min": self.interval_min_weeks, "max": self.interval_max_weeks},
            "aftercare": [
                {"kind": c.kind, "offset_days": c.offset_days, "title": c.title, "body": c.body} for c in self.aftercare
            ],
            "products": [{"slug": p.slug, "name": p.name, "usage": p.usage} for p in self.products],
            "service": self.service.slug if self.service else None,
        }


def active_concerns() -> QuerySet[Concern]:
    return Concern.objects.filter(active=True)


def active_services() -> QuerySet[Service]:
    return Service.objects.filter(active=True)


def areas_by_concern() -> dict[str, list[str]]:
    """Which areas each concern is offered on (a depth rule exists), for the find-my-treatment form."""
    pairs = DepthRule.objects.filter(concern__active=True).values_list("concern__slug", "area__slug")
    offered: dict[str, list[str]] = {}
    for concern_slug, area_slug in pairs:
        offered.setdefault(concern_slug, []).append(area_slug)
    return offered


def area_names_by_concern() -> list[tuple[str, list[str]]]:
    """The same in people's words ("Fine lines: Forehead, Around the eyes…"), in the admin's order."""
    rules = DepthRule.objects.filter(concern__active=True).select_related("concern", "area")
    rules = rules.order_by("concern__position", "concern__name", "area__position", "area__name")
    offered: dict[str, list[str]] = {}
    for rule in rules:
        offered.setdefault(rule.concern.name, []).append(rule.area.name)
    return list(offered.items())


def pre_care_steps() -> list[CareStep]:
    """How to get ready for a needling session (the care timeline's steps before it)."""
    return list(CareStep.objects.filter(active=True, kind=CareStep.Kind.PRE_CARE).order_by("offset_days", "position"))


def consultation_service() -> Service | None:
    """The consultation (no needling) a client who may not be needled yet can still book."""
    return Service.objects.filter(active=True, is_needling=False).order_by("price", "position").first()


def service_for_area(area: TreatmentArea) -> Service | None:
    """The needling service that covers an area (the shortest, if several do)."""
    return (
        Service.objects.filter(active=True, is_needling=True, areas=area)
        .order_by("duration_minutes", "position")
        .first()
    )


def recommend(*, concern: str, area: str) -> Recommendation:
    """Concern + area slugs → depth range, sessions, interval, aftercare and products.

    Raises ``TreatmentsError`` for an unknown slug or a pair with no depth rule.
    """
    concern_obj = Concern.objects.filter(slug=concern, active=True).first()
    if concern_obj is None:
        valid = ", ".join(active_concerns().values_list("slug", flat=True))
        raise TreatmentsError("unknown_concern", field="concern", slug=concern, valid=valid)
    area_obj = TreatmentArea.objects.filter(slug=area).first()
    if area_obj is None:
        valid = ", ".join(TreatmentArea.objects.values_list("slug", flat=True))
        raise TreatmentsError("unknown_area", field="area", slug=area, valid=valid)
    rule = (
        DepthRule.objects.filter(concern=concern_obj, area=area_obj)
        .prefetch_related(Prefetch("products", queryset=Product.objects.filter(active=True)))
        .first()
    )
    if rule is None:
        raise TreatmentsError("no_rule", field="area", concern=concern_obj.name, area=area_obj.on_phrase)
    care = [
        CareItem(kind=s.kind, offset_days=s.offset_days, title=s.title, body=s.body)
        for s in CareStep.objects.filter(active=True, offset_days__gte=0).exclude(kind=CareStep.Kind.TIP)
    ]
    products = list(rule.products.all()) or list(Product.objects.filter(active=True))
    # The area's ceiling bounds the rule: no reason lifts a recorded depth above it, so no plan
    # may be promised one (DOMAIN.md gives wrinkles on the forehead 0.5–1.0 mm, the forehead 0.5).
    ceiling = area_obj.ceiling_for(scarring=concern_obj.is_scarring)
    depth_max = min(rule.max_depth_mm, ceiling)
    return Recommendation(
        concern=concern_obj,
        area=area_obj,
        rule=rule,
        depth_min_mm=min(rule.min_depth_mm, depth_max),
        depth_max_mm=depth_max,
        sessions_initial=concern_obj.initial_sessions,
        sessions_max=concern_obj.max_sessions,
        interval_min_weeks=concern_obj.interval_min_weeks,
        interval_max_weeks=concern_obj.interval_max_weeks,
        aftercare=care,
        products=products,
        service=service_for_area(area_obj),
    )
