"""The studio page: its layout (a chat, the plan, edit mode and characters in tabs; the settings
beside them) and the wiring of each control to its handler.

Each event passes the form as a dict (Gradio's set-of-inputs form) and the ``gr.Request``, from
which the caller is known (``Studio.owner``); every handler runs inside a guard that turns any
error into the page's one-line message, so the page stays usable whatever happens.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import gradio as gr

from agent.surfaces import fields
from agent.surfaces.studio import characters, chat, edits, plans, render
from agent.surfaces.studio.chat import Frame
from agent.surfaces.studio.core import Studio
from agent.surfaces.studio.options import FIELDS, Options
from agent.surfaces.studio.thread import Conversation

HEADER = ('<div id="studio-ready"><h1>limner studio</h1><p>Plan, draw, check and repair a batch of images; '
          'follow up to change only what you name.</p></div>')
Run = Callable[[str, Conversation], Iterator[Frame]]
"""A handler's run, given the caller and the conversation."""
FOLLOWED = 16
"""Runs the page follows at once: each holds a worker thread while it waits for its run's events
(the run service decides how many run; the rest wait in Gradio's queue, their tabs told so)."""
PROMPT_HINT = "e.g. four images of a fox with two red balloons, a poster that says 'OPEN'"


def _html(value: str = "", elem_id: str | None = None) -> gr.HTML:
    return gr.HTML(value, elem_id=elem_id, js_on_load=None)


def _caller(studio: Studio, request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return studio.owner(getattr(client, "host", None), getattr(request, "username", None))


def build_page(studio: Studio) -> gr.Blocks:
    """The page for one server's studio."""
    settings = studio.settings
    with gr.Blocks(title="limner studio", analytics_enabled=False, fill_width=True) as page:
        conversation = gr.State(None)
        _html(HEADER, "studio-header")
        message = _html(render.message(None), "studio-message")
        with gr.Row(equal_height=False):
            with gr.Column(scale=4):
                with gr.Tabs():
                    with gr.Tab("Chat", id="chat"):
                        thread = _html(render.thread(None, studio.links), "studio-thread")
                        prompt = gr.Textbox(label="Request", placeholder=PROMPT_HINT, lines=2, max_lines=6,
                                            elem_id="studio-prompt")
                        with gr.Row():
                            send = gr.Button("Send", variant="primary", elem_id="studio-send")
                            fresh = gr.Button("New conversation", elem_id="studio-new")
                    with gr.Tab("Plan", id="plan"):
                        with gr.Row(equal_height=True):
                            plan_prompt = gr.Textbox(label="Request to plan", placeholder=PROMPT_HINT, scale=4,
                                                     elem_id="studio-plan-prompt")
                            plan_it = gr.Button("Plan it (nothing is drawn)", scale=1, elem_id="studio-plan-it")
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=1):
                                plan_json = gr.Code(language="json", interactive=True, lines=12, max_lines=24,
                                                    elem_id="studio-plan-json",
                                                    label="The plan: edit shots, texts, objects, colours, light")
                            with gr.Column(scale=1):
                                plan_table = _html("", "studio-plan-table")
                                draw = gr.Button("Draw this plan", variant="primary", elem_id="studio-draw")
                                plan_result = _html("", "studio-plan-result")
                    with gr.Tab("Edit", id="edit"):
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=1):
                                editor = gr.ImageEditor(
                                    label="Image to edit: upload it, then paint where to change it", type="pil",
                                    format="png", elem_id="studio-editor", layers=False, height=380,
                                    brush=gr.Brush(colors=["#ff00ff"], default_color="#ff00ff", default_size=24))
                                more = gr.File(label="More images (optional; the one above is edited)",
                                               file_count="multiple", file_types=["image"], height=120,
                                               elem_id="studio-more")
                                instruction = gr.Textbox(label="Instruction", elem_id="studio-instruction",
                                                         placeholder="e.g. make it red · add a sign that says 'CLOSED'")
                                edit = gr.Button("Edit", variant="primary", elem_id="studio-edit")
                            with gr.Column(scale=1):
                                edit_result = _html("", "studio-edit-result")
                    with gr.Tab("Characters", id="characters") as characters_tab:
                        with gr.Row(equal_height=False):
                            with gr.Column(scale=3):
                                with gr.Row(equal_height=True):
                                    query = gr.Textbox(label="Search by meaning", scale=4,
                                                       elem_id="studio-character-query")
                                    search = gr.Button("Search", scale=1, elem_id="studio-character-search")
                                roster = _html(render.characters([], "local"), "studio-characters")
                                with gr.Row(equal_height=True):
                                    gone = gr.Textbox(label="Remove the character named", scale=4,
                                                      elem_id="studio-character-remove-name")
                                    remove = gr.Button("Remove", variant="stop", scale=1,
                                                       elem_id="studio-character-remove")
                            with gr.Column(scale=2):
                                _html('<h3 class="lm-section">Add a character</h3>')
                                name = gr.Textbox(label="Name", elem_id="studio-character-name")
                                species = gr.Textbox(label="Species (fox, robot, woman)",
                                                     elem_id="studio-character-species")
                                description = gr.Textbox(label="Description", elem_id="studio-character-description")
                                colours = gr.Textbox(label="Colours (part=colour, …)", placeholder="coat=teal, hair=black",
                                                     elem_id="studio-character-colours")
                                images = gr.File(label="Reference images", file_count="multiple", file_types=["image"],
                                                 height=120, elem_id="studio-character-images")
                                add = gr.Button("Add character", variant="primary", elem_id="studio-character-add")
            with gr.Column(scale=1, min_width=240):
                _html('<h3 class="lm-section">Settings</h3>')
                # Number boxes are text: empty means the default (a number box would send 0).
                panel = dict(zip(FIELDS, (
                    gr.Textbox(label="Images (n, 1-8)", placeholder="from the request", elem_id="studio-n"),
                    gr.Textbox(label="Size (WIDTHxHEIGHT)", placeholder="the backend's", elem_id="studio-size"),
                    gr.Textbox(label="Seed", placeholder="random", elem_id="studio-seed"),
                    gr.Dropdown(label="Backend", choices=fields.offered_backends(settings), value=settings.backend,
                                elem_id="studio-backend"),
                    gr.Textbox(label="Model (backends that load one)", placeholder="the backend's",
                               elem_id="studio-model"),
                    gr.Textbox(label="Steps", placeholder="the backend's", elem_id="studio-steps"),
                    gr.Textbox(label="Max repair rounds (0-10)", value=str(settings.max_rounds),
                               elem_id="studio-max-rounds"),
                    gr.Textbox(label="User (whose characters)", placeholder="default", elem_id="studio-user"),
                )))

        def options(form: dict[Any, Any]) -> Options:
            return Options.from_form(studio, **{key: form[component] for key, component in panel.items()})

        def frames(form: dict[Any, Any], request: gr.Request, run: Run) -> Iterator[Frame]:
            """A run's frames; any error (an unknown caller included) is the message of the last one."""
            current = form[conversation] if isinstance(form[conversation], Conversation) else Conversation()
            return chat.guarded(studio, current, _frames(studio, request, current, run))

        def on_send(form: dict[Any, Any], request: gr.Request) -> Iterator[tuple[Any, ...]]:
            for item in frames(form, request, lambda owner, conv: chat.send(studio, owner, conv, form[prompt],
                                                                            options(form))):
                # A request taken is cleared from the box; a refused one stays there to be fixed.
                yield item.conversation, item.thread, item.message, "" if item.started else gr.update()

        for trigger in (send.click, prompt.submit):
            trigger(on_send, {conversation, prompt, *panel.values()}, [conversation, thread, message, prompt],
                    concurrency_limit=FOLLOWED, show_progress="hidden")

        def on_fresh() -> tuple[Any, ...]:
            item = chat.new_conversation(studio)
            return item.conversation, item.thread, item.message

        fresh.click(on_fresh, None, [conversation, thread, message], show_progress="hidden")

        def on_plan(form: dict[Any, Any], request: gr.Request) -> tuple[Any, ...]:
            try:
                return plans.preview(studio, _caller(studio, request), form[plan_prompt], options(form))
            except Exception as error:  # noqa: BLE001 - one visible line, never a traceback
                return gr.update(), gr.update(), render.message(studio.problem(error))

        plan_it.click(on_plan, {plan_prompt, *panel.values()}, [plan_json, plan_table, message])
        plan_json.input(plans.readable, plan_json, plan_table, show_progress="hidden", trigger_mode="always_last")

        def on_draw(form: dict[Any, Any], request: gr.Request) -> Iterator[tuple[Any, ...]]:
            for item in frames(form, request, lambda owner, conv: plans.draw(studio, owner, conv, form[plan_json],
                                                                             options(form))):
                yield item.conversation, item.thread, item.latest, item.message

        draw.click(on_draw, {conversation, plan_json, *panel.values()}, [conversation, thread, plan_result, message],
                   concurrency_limit=FOLLOWED, show_progress="hidden")

        def on_edit(form: dict[Any, Any], request: gr.Request) -> Iterator[tuple[Any, ...]]:
            for item in frames(form, request, lambda owner, conv: edits.edit(
                    studio, owner, conv, form[editor], form[more], form[instruction], options(form))):
                yield item.latest, item.message

        edit.click(on_edit, {conversation, editor, more, instruction, *panel.values()}, [edit_result, message],
                   concurrency_limit=FOLLOWED, show_progress="hidden")

        def roster_event(action: Callable[..., tuple[str, str]], *names: Any) -> Callable[..., tuple[Any, ...]]:
            def handle(form: dict[Any, Any], request: gr.Request) -> tuple[Any, ...]:
                try:
                    return action(studio, _caller(studio, request), options(form), *(form[c] for c in names))
                except Exception as error:  # noqa: BLE001 - one visible line, never a traceback
                    return gr.update(), render.message(studio.problem(error))
            return handle

        panel_inputs = set(panel.values())
        characters_tab.select(roster_event(characters.list_characters), panel_inputs, [roster, message])
        search.click(roster_event(characters.search_characters, query), {query, *panel_inputs}, [roster, message])
        query.submit(roster_event(characters.search_characters, query), {query, *panel_inputs}, [roster, message])
        add.click(roster_event(characters.add_character, name, description, species, colours, images),
                  {name, description, species, colours, images, *panel_inputs}, [roster, message])
        remove.click(roster_event(characters.remove_character, gone), {gone, *panel_inputs}, [roster, message])
    page.queue(default_concurrency_limit=8)  # plans, characters: quick, or a memory lookup
    return page


def _frames(studio: Studio, request: gr.Request, current: Conversation, run: Run) -> Iterator[Frame]:
    """The caller is known before anything runs (an unknown caller is the guard's message)."""
    yield from run(_caller(studio, request), current)
