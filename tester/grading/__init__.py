"""Grading a class: many submissions, each run as one `tester test` unit, isolated and in parallel.

A submission is graded by a unit (grading/unit.py) that runs `tester test --json` on it in a sandbox
(grading/sandbox.py); an executor runs the units, a local pool or a Dask cluster (grading/executors.py);
the batch (grading/batch.py) decides what needs grading, writes each record as it lands and hands the
records to the renderers in tester/reports/, which know nothing of sockets or processes.
"""
