"""The search page's list of pages: a window of links, whatever the number of pages."""

import re

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from finder import views


def pagination(number: int, *, pages: int = 1402, query: str = "condition=ms") -> str:
    request = RequestFactory().get(f"/trials/?{query}&page={number}")
    page = Paginator(range(pages * 10), 10).get_page(number)
    context = {"page_obj": page, "page_links": views.page_links(page), "request": request}
    return render_to_string("includes/pagination.html", context, request=request)


def linked_pages(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"page=(\d+)\">\s*<span", html)]


def test_it_links_the_ends_and_two_pages_either_side_of_the_current_one():
    html = pagination(700)
    assert linked_pages(html) == [1, 698, 699, 701, 702, 1402]
    assert html.count('class="pagination__gap" aria-hidden="true">…</li>') == 2


def test_it_marks_the_current_page_and_names_the_list():
    html = pagination(700)
    assert '<nav class="pagination" aria-label="Pages of results">' in html
    assert re.search(
        r'<span aria-current="page"><span class="visually-hidden">Page </span>700', html
    )
    assert 'href="?condition=ms&amp;page=699" rel="prev"' in html
    assert 'href="?condition=ms&amp;page=701" rel="next"' in html


def test_the_first_page_has_no_previous_link_and_one_gap():
    html = pagination(1)
    assert 'rel="prev"' not in html
    assert linked_pages(html) == [2, 3, 1402]
    assert html.count("pagination__gap") == 1


def test_a_short_list_links_every_page_without_a_gap():
    html = pagination(3, pages=6)
    assert linked_pages(html) == [1, 2, 4, 5, 6]
    assert "pagination__gap" not in html


def test_it_stays_small_for_thousands_of_pages():
    assert len(pagination(700)) < 3_000


def test_a_single_page_has_no_page_list():
    assert pagination(1, pages=1).strip() == ""


def test_the_search_page_keeps_the_query_in_its_page_links(client, demo_catalog, monkeypatch):
    monkeypatch.setattr("finder.views.RESULTS_PER_PAGE", 1)
    html = client.get("/trials/", {"condition": "MS", "location": "94301"}).content.decode()
    assert "(page 1 of 2)" in html
    assert 'href="?condition=MS&amp;location=94301&amp;page=2"' in html


@pytest.mark.parametrize("page", ["1", "2", None])
def test_a_page_of_results_ranks_the_trials_once(client, demo_catalog, monkeypatch, page):
    monkeypatch.setattr("finder.views.RESULTS_PER_PAGE", 1)
    calls = []
    ranked = views.trials_nearest

    def counted(**kwargs):
        calls.append(kwargs)
        return ranked(**kwargs)

    monkeypatch.setattr("finder.views.trials_nearest", counted)
    params = {"location": "94301"} | ({"page": page} if page else {})
    html = client.get("/trials/", params).content.decode()
    assert f"(page {page or 1} of 2)" in html
    assert len(calls) == 1


def test_a_page_past_the_end_shows_the_last_one(client, demo_catalog, monkeypatch):
    monkeypatch.setattr("finder.views.RESULTS_PER_PAGE", 1)
    html = client.get("/trials/", {"location": "94301", "page": "99"}).content.decode()
    assert "(page 2 of 2)" in html
    assert "CARE-MS I)" in html
