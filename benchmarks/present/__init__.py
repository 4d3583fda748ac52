"""The present lane: pages, charts, the JSON API and the query parameters they share.

`queries` parses a single-cohort query (pages and API, and the OpenAPI
parameters); `forms` dresses it for a page; `pages` and `api/` render the
answers of `benchmarks.read.answers`; `charts` draws them as SVG. Imports the
read lane, never the build lane (tests/test_architecture.py).
"""
