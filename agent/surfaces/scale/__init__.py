"""Scale-out: state in PostgreSQL, work on Ray, any number of stateless front-ends.

Nothing here loads unless configured: without ``LIMNER_RAY_ADDRESS`` the in-process
``agent.surfaces.service.RunService`` runs everything, as on one machine.

- ``postgres_state``: the tables (runs, their event logs, finished shots) and every query on them,
  each scoped to its owner; the run registry of the in-process service when ``database_url`` is set.
- ``front_end``: ``ScaledRunService``, the ``RunService`` of a front-end: records a run in
  PostgreSQL, and reads runs and their events back from there (LISTEN/NOTIFY wakes the streams).
- ``ray_runner``: the dispatcher (a detached, restartable Ray actor that owns every run, so a
  front-end that dies takes none with it) and the executors (actors whose run calls Ray retries
  when their process dies; a retry resumes from the run's checkpoint).
- ``scheduling``: which queued runs start (owners in turn, limits, one run per thread at a time).
- ``execution``: one run inside an executor (start or resume, events into PostgreSQL).
- ``serve_generators``: one Ray Serve deployment per backend and model, with cross-request
  batching (``@serve.batch``; which shots share a call: ``batching``), and the remote generator
  the executors draw through; ``shots``: the finished shots a retried run takes back.
- ``serve_critics``: one Ray Serve deployment per CLIP model (embed calls of concurrent runs merged
  by ``@serve.batch``), and the remote embedder the executors' CLIP critics use.
- ``simulated_gpu``: a backend for benchmarks and tests only (a fixed wall time per batch).
"""
