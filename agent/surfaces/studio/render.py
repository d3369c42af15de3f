"""The studio's HTML: a conversation's turns, a run's progress and its batch (per image: the
verdict badges, the defect boxes on demand, the repairs before and after, the seed and the
downloads), plans, characters and the one-line messages. Pure functions of the data: every
text is escaped, every file is a signed link (``StudioLinks``)."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any, Iterable

from agent.surfaces.studio.files import StudioLinks
from agent.surfaces.studio.thread import Conversation, Turn

EMPTY_THREAD = ("Describe the images you want: what, how many, colours, any exact text in quotes. "
                "A follow-up (\"in the second image make the balloons blue\") redraws only what it changes.")


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def message(text: str | None, kind: str = "error") -> str:
    """The page's one-line message: an error (``role=alert``), a note, or nothing."""
    if not text:
        return '<div class="lm-message empty"></div>'
    role = ' role="alert"' if kind == "error" else ""
    prefix = "error: " if kind == "error" and not text.startswith("error") else ""
    return f'<div class="lm-message {_e(kind)}"{role}>{_e(prefix + text)}</div>'


def thread(conversation: Conversation | None, links: StudioLinks) -> str:
    """Every turn of the conversation, oldest first."""
    if conversation is None or not conversation.turns:
        return f'<div class="lm-thread"><p class="lm-hint">{_e(EMPTY_THREAD)}</p></div>'
    return '<div class="lm-thread">' + "".join(turn(t, links) for t in conversation.turns) + "</div>"


def turn(item: Turn | None, links: StudioLinks) -> str:
    """One request and its answer: the plan, the progress while it runs, then the batch."""
    if item is None:
        return '<div class="lm-thread"></div>'
    parts = [f'<div class="lm-request"><span class="lm-kind">{_e(item.kind)}</span> {_e(item.prompt)}</div>']
    report = item.report
    if report is not None and report.get("plan"):
        parts.append(plan_summary(report["plan"]))
    if item.running:
        parts.append(progress(item, links))
    if item.error:
        parts.append(f'<div class="lm-error" role="alert">error: {_e(item.error)}</div>')
    if report is not None:
        parts.append(answer(report, links))
    return (f'<section class="lm-turn" data-run="{_e(item.run_id)}" data-status="{_e(item.status)}">'
            f'{"".join(parts)}</section>')


def progress(item: Turn, links: StudioLinks) -> str:
    """The live view of a running turn: the step, a bar of the images drawn, the images as they
    are drawn, the repairs and failures so far."""
    seconds = time.time() - item.started
    step = item.node or ("waiting in the queue" if item.status == "queued" else "starting")
    line = [f"{_e(step)}"]
    if item.plan_note:
        line.append(_e(item.plan_note))
    if item.planned is not None:
        line.append(f"{len(item.drawn)} of {item.planned} image(s) drawn")
    if item.steps is not None and item.steps[1]:
        line.append(f"denoising step {item.steps[0]}/{item.steps[1]}")
    if item.verdicts:
        passed = sum(item.verdicts.values())
        line.append(f"checked {len(item.verdicts)}: {passed} passed")
    line.append(f"{seconds:.0f}s")
    bar = (f'<progress max="{item.planned}" value="{len(item.drawn)}"></progress>' if item.planned
           else "<progress></progress>")
    thumbs = "".join(
        f'<img class="lm-thumb" alt="image {shot + 1} as drawn" src="{_e(links.file(item.run_id, path) or "")}">'
        for shot, path in sorted(item.drawn.items()))
    notes = _list("lm-notes", item.notes)
    value = f' aria-valuenow="{len(item.drawn)}" aria-valuemax="{item.planned}"' if item.planned else ""
    return (f'<div class="lm-progress" role="progressbar" aria-valuemin="0"{value}>'
            f'<div class="lm-progress-line">{" · ".join(line)}</div>{bar}'
            f'<div class="lm-drawn">{thumbs}</div>{notes}</div>')


def answer(report: dict[str, Any], links: StudioLinks) -> str:
    """A finished run: what a follow-up changed, a refusal, the batch, the run's downloads."""
    run_id = report["run_id"]
    parts = []
    revision = report.get("revision")
    changed: set[int] | None = None
    if revision:
        changed = set(revision.get("changed_shots") or [])
        shots = ", ".join(str(i + 1) for i in sorted(changed)) or "none"
        text = f"follow-up: {'; '.join(revision.get('changes') or []) or 'no change understood'} — redrawn: {shots}"
        if revision.get("not_understood"):
            text += f" — not understood: {'; '.join(revision['not_understood'])}"
        parts.append(f'<div class="lm-revision">{_e(text)}</div>')
    refused = report.get("refused")
    if refused:
        parts.append(f'<div class="lm-error" role="alert">refused ({_e(refused.get("policy"))} policy): '
                     f'{_e(refused.get("reason"))}</div>')
    size = report.get("size") or [0, 0]
    cards = "".join(image_card(entry, run_id, size, links, changed) for entry in report.get("images") or [])
    if cards:
        passed = sum(1 for entry in report["images"] if entry.get("passed"))
        parts.append(f'<div class="lm-summary">{len(report["images"])} image(s), {passed} passed all checks, '
                     f'{report.get("rounds", 0)} repair round(s) · run {_e(run_id)}</div>')
        parts.append(f'<div class="lm-batch">{cards}</div>')
    folder = Path(report["contact_sheet"]).parent if report.get("contact_sheet") else None
    downloads = []
    if folder is not None:
        downloads.append(_download(links.file(run_id, folder / "run.json"), "run.json", "run.json"))
        downloads.append(_download(links.file(run_id, report["contact_sheet"]), "contact sheet", "contact.png"))
    downloads.append(_download(links.zip(run_id), "the run as a zip", f"{run_id}.zip"))
    parts.append(f'<div class="lm-downloads">download: {" · ".join(d for d in downloads if d)}</div>')
    return "".join(parts)


def _download(url: str | None, label: str, name: str) -> str:
    return f'<a class="lm-download" href="{_e(url)}" download="{_e(name)}">{_e(label)}</a>' if url else ""


def image_card(entry: dict[str, Any], run_id: str, size: list[int], links: StudioLinks,
               changed: set[int] | None = None) -> str:
    """One image: the picture (defect boxes over it on demand), its badges, seed, download and repairs."""
    shot = int(entry["shot"])
    classes = ["lm-image", "pass" if entry.get("passed") else "fail"]
    marker = ""
    if changed is not None:
        classes.append("changed" if shot in changed else "kept")
        marker = ('<span class="lm-badge changed">changed</span>' if shot in changed
                  else '<span class="lm-badge kept">unchanged</span>')
    url = links.file(run_id, entry.get("path")) if entry.get("path") else None
    boxes = defect_boxes(entry.get("checks") or [], size)
    if url:
        picture = (f'<div class="lm-frame"><img src="{_e(url)}" alt="image {shot + 1}">{boxes}</div>')
    else:
        picture = f'<div class="lm-frame lm-missing">not made: {_e(entry.get("error") or "no image")}</div>'
    toggle = ('<label class="lm-toggle-label"><input type="checkbox" class="lm-toggle"> show defects</label>'
              if boxes else "")
    verdict = ("passed" if entry.get("passed") else "not made" if not entry.get("path") else "failed checks")
    download = _download(url, "PNG", f"{shot + 1:02d}.png")
    head = (f'<div class="lm-head"><b>#{shot + 1}</b> · seed {_e(entry.get("seed"))} · '
            f'<span class="lm-badge verdict {"pass" if entry.get("passed") else "fail"}">{verdict}</span> '
            f'{marker} {download} {toggle}</div>')
    flagged = entry.get("flagged")
    note = f'<div class="lm-error">flagged: {_e(flagged.get("reason"))}</div>' if flagged else ""
    return (f'<figure class="{" ".join(classes)}" data-shot="{shot + 1}" data-seed="{_e(entry.get("seed"))}">'
            f'{picture}<figcaption>{head}{badges(entry.get("checks") or [])}{note}'
            f'{repairs(entry.get("repairs") or [], run_id, links)}</figcaption></figure>')


def badges(checks: Iterable[dict[str, Any]]) -> str:
    """A badge per check: pass, fail (what was expected and found) or skipped (with the reason)."""
    items = []
    for check in checks:
        status = check.get("status", "skipped")
        why = ""
        if status != "pass" and check.get("reason"):
            why = f'<span class="lm-why"> · {_e(check["reason"])}</span>'
        items.append(f'<span class="lm-badge {_e(status)}" title="{_e(check.get("reason") or "")}">'
                     f'<b>{_e(check.get("name"))}</b> {_e(status)}{why}</span>')
    return f'<div class="lm-badges">{"".join(items)}</div>' if items else ""


def defect_boxes(checks: Iterable[dict[str, Any]], size: list[int]) -> str:
    """The boxes of the failed checks, placed over the image in percent of its size."""
    width, height = (size + [0, 0])[:2]
    if not width or not height:
        return ""
    boxes = []
    for check in checks:
        box = check.get("box")
        if check.get("status") != "fail" or not box or len(box) != 4:
            continue
        x0, y0, x1, y1 = (max(0.0, min(100.0, value)) for value in
                          (box[0] / width * 100, box[1] / height * 100, box[2] / width * 100, box[3] / height * 100))
        label = f"{check.get('name')}: {check.get('reason') or 'failed'}"
        boxes.append(f'<span class="lm-defect" title="{_e(label)}" style="left:{x0:.2f}%;top:{y0:.2f}%;'
                     f'width:{max(0.0, x1 - x0):.2f}%;height:{max(0.0, y1 - y0):.2f}%">'
                     f'<span class="lm-defect-label">{_e(check.get("name"))}</span></span>')
    return "".join(boxes)


def repairs(records: list[dict[str, Any]], run_id: str, links: StudioLinks) -> str:
    """Each repair: round, kind, the check it answered, the image before and after."""
    if not records:
        return ""
    rows = []
    for record in records:
        before, after = links.file(run_id, record.get("before")), links.file(run_id, record.get("after"))
        pictures = "".join(f'<figure><img src="{_e(url)}" alt="{label}"><figcaption>{label}</figcaption></figure>'
                           for url, label in ((before, "before"), (after, "after")) if url)
        seed = f", new seed {_e(record['seed'])}" if record.get("seed") is not None else ""
        rows.append(f'<div class="lm-repair"><div>round {_e(record.get("round"))}: {_e(record.get("kind"))} '
                    f'for {_e(record.get("check"))}{seed}</div><div class="lm-pair">{pictures}</div></div>')
    return f'<details class="lm-repairs"><summary>{len(records)} repair(s)</summary>{"".join(rows)}</details>'


def plan_summary(plan: dict[str, Any], *, folded: bool = True) -> str:
    """The plan in one line, its shots in a table underneath (``folded``: shown on a click)."""
    shots = plan.get("shots") or []
    facts = [f"{len(shots)} shot(s)", f"planner: {plan.get('planner')}"]
    for key in ("style", "setting", "light"):
        if plan.get(key):
            facts.append(f"{key}: {plan[key]}")
    if plan.get("palette"):
        facts.append("palette: " + ", ".join(plan["palette"]))
    characters = [f"{c.get('name')}{' (remembered)' if c.get('remembered') else ''}" for c in plan.get("characters") or []]
    if characters:
        facts.append("characters: " + ", ".join(characters))
    return (f'<details class="lm-plan"{"" if folded else " open"}><summary>plan: {_e(" · ".join(facts))}</summary>'
            f'{plan_table(plan)}</details>')


def plan_table(plan: dict[str, Any]) -> str:
    """One row per shot: prompt, texts, objects (count, colour, name), light, time, weather, characters."""
    names = {c.get("id"): c.get("name") for c in plan.get("characters") or []}
    rows = []
    for shot in plan.get("shots") or []:
        texts = "; ".join(f"“{t.get('text')}” ({t.get('role')})" for t in shot.get("texts") or [])
        objects = "; ".join(" ".join(str(part) for part in (o.get("count"), o.get("color"), o.get("name")) if part)
                            for o in shot.get("objects") or [])
        light = " · ".join(str(v) for v in (shot.get("light") or plan.get("light"), shot.get("time_of_day"),
                                              shot.get("weather")) if v)
        who = ", ".join(str(names.get(c, c)) for c in shot.get("characters") or [])
        rows.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (
            int(shot.get("index", 0)) + 1, shot.get("prompt", ""), texts or "-", objects or "-", light or "-",
            who or "-")) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "prompt", "texts", "objects", "light · time · weather", "characters"))
    return f'<table class="lm-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def characters(found: list[tuple[dict[str, Any], float | None]], user: str) -> str:
    """The user's characters (with the search score when searched)."""
    if not found:
        return f'<div class="lm-characters"><p class="lm-hint">No characters for {_e(user)} yet.</p></div>'
    rows = []
    for character, score in found:
        attributes = character.get("attributes") or {}
        colours = ", ".join(f"{part} {colour}" for part, colour in (attributes.get("colours") or {}).items())
        images = len(character.get("reference_images") or [])
        cells = [character.get("name"), character.get("description"), attributes.get("species") or "-",
                 colours or "-", images, len(character.get("history") or [])]
        if score is not None:
            cells.append(f"{score:.2f}")
        rows.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in cells) + "</tr>")
    heads = ["name", "description", "species", "colours", "reference images", "runs"]
    if found[0][1] is not None:
        heads.append("match")
    head = "".join(f"<th>{h}</th>" for h in heads)
    return (f'<div class="lm-characters"><table class="lm-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _list(css: str, lines: list[str]) -> str:
    return f'<ul class="{css}">' + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>" if lines else ""
