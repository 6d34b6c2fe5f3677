"""Who runs the units: a pool on this machine, or the workers of a Dask cluster.

Both take the same Units and give back the same records, as each finishes, so the batch writes a
record the moment it exists. The local pool runs units as threads that each wait on one subprocess;
Dask's `distributed` sends `unit.grade` to its workers (each needs the tester installed, and the
submissions and the course at the same paths: a shared filesystem). No scheduler of our own.
"""

from __future__ import annotations

import concurrent.futures
from typing import Callable, Iterator, Protocol

from tester.errors import UsageError
from tester.grading import sandbox
from tester.grading import unit as units_module
from tester.grading.unit import Unit, grade_safely


WORKER_WAIT = 20  # seconds a Dask cluster has to show a worker


class Executor(Protocol):
    name: str

    def run(self, units: list[Unit], started: Callable[[Unit], None]) -> Iterator[tuple[Unit, dict]]:
        """(unit, record) for every unit, in the order they finish; `started` is told of each unit begun."""

    def namespaces_unavailable(self) -> str | None:
        """Why the units cannot have namespaces where they run, or None when they can."""

    def close(self) -> None:
        """Let go of what the executor holds (a connection to a cluster)."""


class LocalPool:
    def __init__(self, jobs: int, work: Callable[[Unit], dict] = grade_safely):
        self.jobs = jobs
        self.work = work
        self.name = f"local pool of {jobs}"

    def run(self, units: list[Unit], started: Callable[[Unit], None]) -> Iterator[tuple[Unit, dict]]:
        def job(unit: Unit) -> dict:
            started(unit)
            return self.work(unit)

        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="grade")
        units_module.STOP.clear()
        try:
            futures = {pool.submit(job, unit): unit for unit in units}
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        except BaseException:  # Ctrl-C, or the caller gone: the running units stop their process groups now
            units_module.STOP.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def namespaces_unavailable(self) -> str | None:
        return sandbox.namespaces_unavailable()

    def close(self) -> None:
        pass  # its threads end with each run


class DaskCluster:
    def __init__(self, address: str, work: Callable[[Unit], dict] = grade_safely):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask needs Dask's distributed: pip install 'http-server-tester[dask]'") from None
        try:
            self.client = Client(address, timeout="20s")
        except OSError as error:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        self.work = work
        try:
            self.client.wait_for_workers(1, timeout=WORKER_WAIT)
        except Exception:  # distributed raises its own TimeoutError
            self.client.close()
            raise UsageError(f"the Dask scheduler at {address} has no workers (waited {WORKER_WAIT} s): start "
                             f"some with  dask worker {address}") from None
        workers = len(self.client.scheduler_info().get("workers", {}))
        self.name = f"Dask cluster at {address} ({workers} workers)"

    def namespaces_unavailable(self) -> str | None:
        """The namespace check, made where the units will run: on a worker."""
        return self.client.submit(sandbox.namespaces_unavailable, pure=False).result(timeout=WORKER_WAIT * 3)

    def run(self, units: list[Unit], started: Callable[[Unit], None]) -> Iterator[tuple[Unit, dict]]:
        from distributed import as_completed

        # pure=False: a unit with the same arguments is still run again (a regrade); one retry for a lost worker
        futures = {self.client.submit(self.work, unit, key=f"grade-{unit.id}-{unit.fingerprint[:12]}", pure=False,
                                      retries=1): unit for unit in units}
        for unit in units:
            started(unit)
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()
