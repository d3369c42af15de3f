"""The studio: limner in the browser, a Gradio page mounted at ``/`` of the HTTP API's server
(``limner serve``; ``limner studio`` starts one on loopback and opens it).

Its parts, each small: ``page`` lays the page out and wires the events; ``chat``, ``plans``,
``edits`` and ``characters`` are the handlers of each area (plain functions: they take the
form's values and return HTML, so tests call them without a browser or Gradio); ``render``
turns runs into that HTML; ``thread`` keeps a conversation's turns and follows a run's
progress events; ``options`` checks the settings panel; ``files`` serves a run's files through
signed links; ``mount`` puts the page on the server with the API's rules for who may call.

Every run goes through the server's one ``RunService`` in-process, owned by the caller (the
token's name, or ``local`` on loopback), exactly as the API's runs are. Only ``page`` and
``mount`` import Gradio, and nothing imports them but ``create_app(studio=True)``: plain CLI
commands never load it.
"""
