"""Paging of API lists in headers, so every list keeps the JSON body SPEC.md gives it.

``?page=`` (from 1) and ``?page_size=`` (default 100, at most 500) pick the rows; the answer's
body is the list as before (a bare array stays a bare array), and the paging is in headers:
``X-Total-Count`` (rows in the whole list) and an RFC 8288 ``Link`` header with the ``first``,
``prev``, ``next`` and ``last`` pages that exist (GitHub's convention). A page that is not a
positive number is a 400 on ``page``; a page past the last is an empty list.

``HeaderPagination`` is the project's default paginator (``REST_FRAMEWORK``), so every generic
list view pages; ``spa.lib.schema.PagedAutoSchema`` documents the two headers on every paged list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from spa.lib.bounds import parse_id

PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


class HeaderPagination(PageNumberPagination):
    """Page-number paging with the body untouched and the links in headers."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = "Page number, from 1 (default 1). Past the last page: an empty list."
    page_size_query_description = f"Rows per page (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE})."

    def paginate_queryset(self, queryset: Sequence[Any], request: Request, view: Any = None) -> list[Any]:
        self.request = request
        number = self._page_number(request)
        paginator = Paginator(queryset, self.get_page_size(request))
        # A page past the last is empty rather than an error (GitHub's convention); the links
        # still lead back. ``count`` is one query, the page another: constant in the rows.
        if number > paginator.num_pages:
            self.page = Page([], number, paginator)
        else:
            self.page = paginator.page(number)
        return list(self.page)

    def _page_number(self, request: Request) -> int:
        raw = request.query_params.get(self.page_query_param)
        if raw is None or raw == "":
            return 1
        number = parse_id(raw)
        if number is None:
            raise serializers.ValidationError({self.page_query_param: ["A page number: 1, 2, 3…"]})
        return number

    def get_paginated_response(self, data: Any) -> Response:
        return self.add_headers(Response(data))

    def add_headers(self, response: Response) -> Response:
        """The paging headers of the current page on ``response``."""
        links = self._links()
        if links:
            response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links)
        response["X-Total-Count"] = str(self.page.paginator.count)
        return response

    def _links(self) -> list[tuple[str, str]]:
        paginator, number = self.page.paginator, self.page.number
        last = paginator.num_pages
        if last <= 1 and number <= 1:
            return []
        links = [("first", self._url(1))]
        if number > 1:
            links.append(("prev", self._url(min(number - 1, last))))
        if number < last:
            links.append(("next", self._url(number + 1)))
        links.append(("last", self._url(last)))
        return links

    def _url(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # The body is the list itself; the paging is in the headers (``spa.lib.schema``).
        return schema


def page_of(rows: Sequence[Any], request: Request) -> tuple[list[Any], HeaderPagination]:
    """Page a list that is not a generic view's (a list inside an object body): the rows of the
    asked page, and the paginator whose ``add_headers`` puts the paging on the response."""
    paginator = HeaderPagination()
    return paginator.paginate_queryset(rows, request), paginator
