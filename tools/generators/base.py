"""The ``Generator`` protocol and the backend registry.

A backend is a class with a ``name``, capability flags, an ``Options`` model and
``generate``/``edit``. Built-ins register through :func:`register` exactly as a
third-party backend would.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from contextvars import ContextVar
from importlib.metadata import entry_points
from typing import Callable, ClassVar, Iterator, Protocol, runtime_checkable

from PIL import Image
from pydantic import BaseModel, ConfigDict

from tools.scene import ScenePlan, Shot


class BackendError(RuntimeError):
    """A backend could not do its work (unreachable, missing weights...). Message says what to do."""


class UnknownBackendError(ValueError):
    """The requested backend name is not registered."""


class GeneratorOptions(BaseModel):
    """Backend options; subclasses add fields. Unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    default_size: ClassVar[tuple[int, int]] = (512, 512)
    """Image size when neither the request nor the settings name one."""
    model: str | None = None
    """Model id or local path, for backends that load one."""
    steps: int | None = None
    """Denoising steps, for backends that iterate."""


@runtime_checkable
class Generator(Protocol):
    """What the graph needs from an image backend."""

    name: ClassVar[str]
    supports_edit: ClassVar[bool]
    supports_batch: ClassVar[bool]
    max_batch: int

    def generate(
        self,
        shots: list[Shot],
        size: tuple[int, int],
        seeds: list[int],
        plan: ScenePlan | None = None,
    ) -> list[Image.Image]:
        """One image per shot, image i from seeds[i]. ``plan`` is None in raw mode."""
        ...

    def edit(
        self,
        image: Image.Image,
        mask: Image.Image,
        prompt: str,
        seed: int,
        strength: float | None = None,
    ) -> Image.Image:
        """Change the white region of ``mask`` in ``image`` according to ``prompt``; ``strength``
        (0–1, backend default when None) is how far the region may move from what is there."""
        ...


StepListener = Callable[[int, int], None]
"""Called as ``listener(step, total)`` after each denoising step."""
_STEP_LISTENER: ContextVar[StepListener | None] = ContextVar("limner_step_listener", default=None)


@contextmanager
def listening_to_steps(listener: StepListener | None) -> Iterator[None]:
    """Within the block, backends that iterate report their steps to ``listener``."""
    token = _STEP_LISTENER.set(listener)
    try:
        yield
    finally:
        _STEP_LISTENER.reset(token)


def report_step(step: int, total: int) -> None:
    """For backends: tell whoever listens that step ``step`` of ``total`` is done."""
    listener = _STEP_LISTENER.get()
    if listener is not None:
        listener(step, total)


GeneratorFactory = Callable[[GeneratorOptions], Generator]
_REGISTRY: dict[str, tuple[type[GeneratorOptions], GeneratorFactory]] = {}
_EDIT_CAPABLE: dict[str, bool] = {}

BUILTIN_MODULES: dict[str, str] = {
    "sketch": "tools.generators.sketch",
    "diffusers": "tools.generators.diffusers",
    "openai": "tools.generators.openai",
}
"""Built-in backends: name → the module that registers it when imported."""
ENTRY_POINT_GROUP = "limner.generators"
"""Third-party backends: an entry point ``name = "package.module"`` in this group."""


def register(name: str, options: type[GeneratorOptions], factory: GeneratorFactory, *,
             supports_edit: bool | None = None) -> None:
    """Make a backend available by ``name`` (CLI ``--backend``, config ``backend``).

    ``supports_edit`` says whether it can edit (inpaint) without building it; by default it is
    the factory's own ``supports_edit`` when the factory is the generator class."""
    _REGISTRY[name] = (options, factory)
    _EDIT_CAPABLE[name] = bool(getattr(factory, "supports_edit", False)) if supports_edit is None else supports_edit


def _modules() -> dict[str, str]:
    # Listing never imports a backend, so `--backend sketch` never pays for torch.
    plugins = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return {**plugins, **BUILTIN_MODULES}


def available() -> list[str]:
    """Names of all backends: registered ones, built-ins and installed plugins."""
    return sorted(set(_REGISTRY) | set(_modules()))


def options_model(name: str) -> type[GeneratorOptions]:
    """The ``Options`` model of backend ``name`` (imports its module on first use)."""
    if name not in _REGISTRY and name in _modules():
        importlib.import_module(_modules()[name])
    if name not in _REGISTRY:
        raise UnknownBackendError(f"unknown backend {name!r}; available: {', '.join(available())}")
    return _REGISTRY[name][0]


def can_edit(name: str) -> bool:
    """Whether backend ``name`` can do model edits (inpainting), known without building it."""
    options_model(name)  # imports (registers) the backend's module on first use
    return _EDIT_CAPABLE.get(name, False)


def create(name: str, **options: object) -> Generator:
    """Build the backend ``name`` with validated options (imports its module on first use)."""
    model = options_model(name)
    return _REGISTRY[name][1](model(**options))
