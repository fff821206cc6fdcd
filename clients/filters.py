"""Query filters (django-filter) of the clients' staff pages."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from clients.models import User
from clients.selectors import clients_matching


class ClientFilter(django_filters.FilterSet):
    """The staff's client list: ``q`` searches name, email and phone (``clients_matching``).
    A search over 100 characters is a form error, and the list is then unfiltered."""

    q = django_filters.CharFilter(label="Search", max_length=100, method="search")

    class Meta:
        model = User
        fields = ["q"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return clients_matching(queryset, value)
