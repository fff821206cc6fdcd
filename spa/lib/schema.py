"""The project's OpenAPI schema class (drf-spectacular): paged lists document their headers.

Apart from ``spa/lib/pagination.py`` because drf-spectacular's ``AutoSchema`` imports DRF's
generic views, which import the default paginator named in the settings.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from spa.lib.pagination import HeaderPagination

LINK_HEADER = OpenApiParameter(
    "Link",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200],
    description=(
        'RFC 8288 links to the other pages that exist: `<url>; rel="first"`, `rel="prev"`, `rel="next"`, '
        '`rel="last"`, comma-separated. Absent when the whole list fits on one page.'
    ),
)
TOTAL_COUNT_HEADER = OpenApiParameter(
    "X-Total-Count",
    OpenApiTypes.INT,
    location=OpenApiParameter.HEADER,
    response=[200],
    description="The number of rows in the whole list (every page).",
)
PAGE_HEADERS = [LINK_HEADER, TOTAL_COUNT_HEADER]
#: The query and headers of a list paged inside an object body (``pagination.page_of``), which
#: drf-spectacular cannot see as a list: declared on the operation with ``extend_schema``.
PAGED_INSIDE = [
    OpenApiParameter("page", {"type": "integer", "minimum": 1}, description=HeaderPagination.page_query_description),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": HeaderPagination.max_page_size},
        description=HeaderPagination.page_size_query_description,
    ),
    *PAGE_HEADERS,
]


class PagedAutoSchema(AutoSchema):
    """The project's schema class: a list paged by ``HeaderPagination`` documents its headers."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self.method == "GET" and isinstance(self._get_paginator(), HeaderPagination) and self._is_list_view():
            parameters += PAGE_HEADERS
        return parameters

    def get_paginated_name(self, serializer_name: str) -> str:
        # The paged body is the bare list: ``AppointmentList``, not ``PaginatedAppointmentList``.
        return f"{serializer_name}List"
