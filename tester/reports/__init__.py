"""Renderers of graded results: each turns records (tester/reports/records.py) into one format.

Pure: a record in, text out. No renderer starts a process or opens a socket; the grading batch and the
`tester test` command write what they return.
"""
