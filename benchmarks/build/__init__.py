"""The build lane: from accepted answers to a published snapshot, in the worker or a command.

`inputs` reads the answers (COPY on PostgreSQL), `cube` computes every cell,
`snapshots` applies the privacy rules and publishes atomically
(`snapshot_publish`), `store` writes cells, privacy rule 8's memory and the
profile models. The only lane that loads pandas and scipy; nothing public
imports it (tests/test_architecture.py): the admin's "publish" queues
`benchmarks.tasks.publish_snapshot`, which imports it in the worker, and
`manage.py publish_snapshot` calls it directly.
"""
