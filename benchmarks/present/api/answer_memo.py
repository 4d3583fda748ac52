"""The API's hot path: a cohort's answer served again from the worker's memory.

A cohort answer is determined by the published snapshot and the URL's query
(`benchmarks.present.api.views` says why), yet DRF's dispatch for it (wrapping
the request, negotiating, parsing and validating the query, looking the cell
up) cost more than the rest of the site's stack together: 0.74 ms of server CPU
per request against 0.44 ms for a bare view returning the same bytes (issue 14).
`remembering` puts a plain Django view in front of DRF's:

- it counts the request against the view's throttle scope, once, and leaves
  the verdict on the request (`cmbench.throttling.counted_here`): DRF's
  throttle class reads it there instead of counting again, so a request is
  counted once whichever path answers it;
- a plain GET, allowed, with no conditional header, whose query string DRF
  answered 200 before, under the same snapshot, gets those bytes and headers
  again (a new `HttpResponse`, so middleware never touch a kept one);
- everything else goes through DRF's view unchanged: the first request of a
  query, 304s and 400s, a 429 with its Retry-After in the client's language,
  HEAD and OPTIONS. Its 200 answers are kept for the next request.

Kept per process, by (snapshot id, publication time, route, raw query string):
a new snapshot's answers never meet the old ones, and an answer is kept only
when its ETag names the snapshot it was keyed under. At most
BENCHMARKS_ANSWER_MEMO_SIZE answers (settings; the oldest goes first), dropped
with the read lane's memos (`lookup.forget_published_snapshot`). Never read or
filled inside a transaction (tests, ATOMIC_REQUESTS), like the read lane's
memos: there, every request takes DRF's path.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import SimpleTemplateResponse

from benchmarks.read import lookup
from benchmarks.read.lookup import PublishedSnapshot
from cmbench.throttling import count_request

View = Callable[..., HttpResponseBase]
# (snapshot id, ETag, route name, query string)
Key = tuple[int, str, str, str]

# Headers a conditional request sends: such a request is DRF's to answer (304 or 200).
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")


class AnswerMemo:
    """Rendered 200 answers by (snapshot, route, query string): bytes and the view's headers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: dict[Key, tuple[bytes, dict[str, str]]] = {}
        self._keeping = threading.Lock()

    def get(self, key: Key) -> HttpResponse | None:
        kept = self._answers.get(key)
        if kept is None:
            return None
        content, headers = kept
        return HttpResponse(content, headers=headers)

    def keep(self, key: Key, response: HttpResponseBase) -> None:
        """Keep a 200 answer of DRF's view for `key`, if it is one that can be kept."""
        if response.status_code != 200 or response.streaming or self.size <= 0:
            return
        if response.get("ETag") != key[1] or response.cookies:
            return
        if isinstance(response, SimpleTemplateResponse):
            # DRF's Response: rendered now rather than by the handler, as it would be.
            response.render()
        assert isinstance(response, HttpResponse)
        kept = (response.content, dict(response.headers))
        # Reads take no lock (a dict lookup is atomic); two threads keeping at
        # once must not both evict, or iterate while the other inserts.
        with self._keeping:
            answers = self._answers
            if key not in answers and len(answers) >= self.size:
                del answers[next(iter(answers))]
            answers[key] = kept

    def clear(self) -> None:
        self._answers.clear()


answer_memo = AnswerMemo(size=int(getattr(settings, "BENCHMARKS_ANSWER_MEMO_SIZE", 10_000)))
# Dropped with the read lane's memos, when this process publishes (or a test forgets).
lookup.also_forget(answer_memo.clear)


def remembering(
    drf_view: View, *, route: str, scope: str | None, etag: Callable[[PublishedSnapshot], str]
) -> View:
    """`drf_view` behind the memo: answers a repeated query from memory, counted by the throttle.

    `route` names the endpoint in the key (two endpoints may share a query
    string); `etag` gives the ETag of every answer from a snapshot.
    """

    @functools.wraps(drf_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "GET" or lookup.in_transaction():
            return drf_view(request, *args, **kwargs)
        allowed = count_request(request, scope=scope)
        published = lookup.published_snapshot()
        if not allowed or published is None or any(name in request.META for name in CONDITIONAL):
            return drf_view(request, *args, **kwargs)
        key = (published.id, etag(published), route, request.META.get("QUERY_STRING", ""))
        remembered = answer_memo.get(key)
        if remembered is not None:
            return remembered
        response = drf_view(request, *args, **kwargs)
        answer_memo.keep(key, response)
        return response

    return view
