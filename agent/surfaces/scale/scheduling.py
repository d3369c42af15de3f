"""The dispatcher's rule for which queued runs start, the same as the in-process
``RunService``'s: owners in turn (round robin), limits in all and per owner, and the runs of one
conversation thread one after the other (a follow-up revises the run before it)."""

from __future__ import annotations

from collections import OrderedDict

from agent.surfaces.scale.postgres_state import RunRecord


def next_runs(queued: list[RunRecord], running: list[tuple[str, str | None]], turn: OrderedDict[str, None],
              workers: int, per_owner: int) -> list[RunRecord]:
    """Which queued runs start now (oldest first per owner, owners in turn): at most ``workers``
    running in all and ``per_owner`` per owner, and never a second run of a thread that has one
    running. ``running`` holds ``(owner, thread)`` of the runs under way; ``turn`` is the owners'
    order, updated (an owner that got a run goes behind the others)."""
    per: dict[str, int] = {}
    threads = {thread for _, thread in running if thread is not None}
    for owner, _ in running:
        per[owner] = per.get(owner, 0) + 1
    waiting: OrderedDict[str, list[RunRecord]] = OrderedDict()
    for record in queued:
        waiting.setdefault(record.owner, []).append(record)
    for owner in waiting:  # newcomers join the turn at its end, in the order they queued
        turn.setdefault(owner, None)
    picked: list[RunRecord] = []
    while len(running) + len(picked) < workers:
        found = next(((owner, record) for owner in turn if owner in waiting and per.get(owner, 0) < per_owner
                      for record in waiting[owner] if record.thread_id is None or record.thread_id not in threads), None)
        if found is None:
            break
        owner, record = found
        picked.append(record)
        waiting[owner].remove(record)
        per[owner] = per.get(owner, 0) + 1
        if record.thread_id is not None:
            threads.add(record.thread_id)
        turn.move_to_end(owner)
    return picked
