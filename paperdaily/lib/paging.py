"""Pagination that answers a bad ?page= with the nearest page, never an error."""

from django.core.paginator import Paginator


def paginate(request, object_list, *, per_page):
    """The requested page; a missing, non-numeric or out-of-range ?page= gives the first or last."""
    return Paginator(object_list, per_page).get_page(request.GET.get("page"))
