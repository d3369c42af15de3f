"""Progress on stderr for the CLI: one line per node, a bar for the images of the batch."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class ProgressView:
    """Turns the graph's progress events into a rich display (a context manager)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False,
        )
        self.images: TaskID | None = None
        self.steps: TaskID | None = None

        self.started = False

    def __enter__(self) -> "ProgressView":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:  # an empty live display would still print a blank line
            self.progress.__exit__(*exc)

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "node_end":
            self.progress.console.print(f"[dim]{event['node']:>9}[/dim] done in {event['seconds']:.2f}s", highlight=False)
        elif kind == "generate_start":
            if not self.started:
                self.progress.__enter__()
                self.started = True
            self.images = self.progress.add_task(f"images ({event['backend']})", total=event["images"])
        elif kind == "step" and self.images is not None:
            if self.steps is None:
                self.steps = self.progress.add_task("  denoising steps", total=event["total"])
            self.progress.update(self.steps, completed=event["step"], total=event["total"])
        elif kind == "image" and self.images is not None:
            self.progress.advance(self.images)
            if not event.get("ok"):
                self.progress.console.print(f"[red]shot {event['shot'] + 1} failed:[/red] {event.get('error')}", highlight=False)
        elif kind == "critique":
            verdict = "[green]pass[/green]" if event["passed"] else "[red]fail[/red]"
            reasons = "; ".join(c["reason"] for c in event["checks"] if c["status"] == "fail")
            self.progress.console.print(f"  shot {event['shot'] + 1}: {verdict} {reasons}", highlight=False)
        elif kind == "repair":
            outcome = ", ".join(event.get("actions", [])) if event.get("ok") else f"failed: {event.get('error')}"
            self.progress.console.print(f"  repair shot {event['shot'] + 1}: {outcome}", highlight=False)
        elif kind == "search":
            self.progress.console.print(f"  search {event['status']}: {event['reason']}", highlight=False)
