"""The read lane: the published snapshot as every public reader sees it.

`lookup` looks cells up (prepared statements, per-process memos);
`answers` turns them into the answers pages, API and guides show (cohort,
breakdown, trend, estimate, position); `respondent` places a survey answer.
Imports `benchmarks.layout`, `benchmarks.models`, `benchmarks.stats` (its
numpy-only modules) and `surveys.vocabulary`; never `benchmarks.build`, pandas
or scipy (tests/test_architecture.py).
"""
