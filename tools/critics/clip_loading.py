"""Loading CLIP (open_clip) for the ``clip`` critics, fast to say no when weights are missing.

A pretrained tag names files on the Hugging Face hub. Asking open_clip for a tag that is
not cached on a machine without the hub costs minutes of download retries, so the files
are looked up in the local cache first and, when they are missing, the hub is probed once
with a short TCP connect before anything is downloaded: without weights, loading fails in
well under two seconds (after importing open_clip) with :class:`ClipUnavailable`, which
the critics turn into "skipped" checks with the reason.

torch and open_clip are imported when a model is first loaded, never when this module is
imported, so commands that do not score prompts stay light.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence
from urllib.parse import urlsplit

from PIL import Image

from tools.hub import cached_file, hub_cache_dir, hub_offline, hub_problem, reachable
from tools.memo import LoadOnce

if TYPE_CHECKING:  # pragma: no cover - types only
    import torch

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_PRETRAINED",
    "ClipConfigError",
    "ClipError",
    "ClipModel",
    "ClipUnavailable",
    "clear_clip_cache",
    "hub_cache_dir",
    "load_clip",
    "quick_skip_reason",
]

DEFAULT_MODEL = "ViT-B-32"
DEFAULT_PRETRAINED = "laion2b_s34b_b79k"
"""How long the hub gets to accept a TCP connection before it counts as unreachable."""
EMBED_BATCH_SIZE = 32
"""Images or texts per forward pass: bounds memory, not results (batching is exact)."""
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".bin", ".safetensors", ".ckpt", ".npz")


class ClipError(RuntimeError):
    """Base class of the CLIP critic's errors."""


class ClipUnavailable(ClipError):
    """CLIP cannot run here (weights missing, hub unreachable, device absent); says what to do."""


class ClipConfigError(ClipError, ValueError):
    """The model name, pretrained tag, checkpoint or device is wrong: a configuration mistake."""


def _rgb(image: Image.Image) -> Image.Image:
    """Opaque RGB; transparency is flattened onto white rather than turned black."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return image.convert("RGB")


@dataclass
class ClipModel:
    """An open_clip model with its preprocessing and tokenizer, ready to embed.

    Embeddings come back as L2-normalised float32 tensors on the CPU, one row per input,
    so a dot product is a cosine similarity whatever device the model runs on.
    """

    model: Any
    preprocess: Callable[[Image.Image], Any]
    tokenizer: Callable[[Sequence[str]], Any]
    device: str
    name: str
    """open_clip model name ("ViT-B-32")."""
    pretrained: str | None
    """The tag or checkpoint path the weights came from; None for random weights."""
    batch_size: int = field(default=EMBED_BATCH_SIZE)

    @property
    def id(self) -> str:
        """``model/pretrained``: store it with embeddings, which are only comparable within one id."""
        return f"{self.name}/{self.pretrained or 'random'}"

    @property
    def random_weights(self) -> bool:
        return self.pretrained is None

    def _encode(
        self, items: Sequence[Any], encode: Callable[[Any], Any], prepare: Callable[[Sequence[Any]], Any]
    ) -> "torch.Tensor":
        import torch
        import torch.nn.functional as F

        chunks = []
        with torch.inference_mode():
            for start in range(0, len(items), self.batch_size):
                batch = prepare(items[start : start + self.batch_size]).to(self.device)
                chunks.append(F.normalize(encode(batch).float(), dim=-1).cpu())
        if not chunks:
            return torch.empty((0, 0))
        return torch.cat(chunks)

    def embed_images(self, images: Sequence[Image.Image]) -> "torch.Tensor":
        """``(len(images), dim)`` unit vectors; batched, no gradients."""
        import torch

        return self._encode(
            list(images), self.model.encode_image, lambda chunk: torch.stack([self.preprocess(_rgb(i)) for i in chunk])
        )

    def embed_texts(self, texts: Sequence[str]) -> "torch.Tensor":
        """``(len(texts), dim)`` unit vectors; batched, no gradients."""
        return self._encode(list(texts), self.model.encode_text, lambda chunk: self.tokenizer(list(chunk)))


def _weight_files(filename: str) -> list[str]:
    """The file a tag names, preceded by the safetensors twin open_clip prefers if present."""
    if filename == "open_clip_pytorch_model.bin":
        return ["open_clip_model.safetensors", filename]
    if filename.endswith((".bin", ".pth")):
        return [filename[:-4] + ".safetensors", filename]
    return [filename]


def _unavailable(label: str, why: str) -> ClipUnavailable:
    return ClipUnavailable(
        f"no CLIP weights for {label} in the local cache and the hub is unreachable ({why}); "
        "download them once online or set LIMNER_CLIP_PRETRAINED to a local checkpoint"
    )


_QUICK: LoadOnce[str | None] = LoadOnce()


def quick_skip_reason(pretrained: str | None) -> str | None:
    """:func:`_quick_skip_reason`, remembered per process (a critique runs every repair
    round; the hub is probed once) until :func:`clear_clip_cache`."""
    key = (pretrained, str(hub_cache_dir()), os.environ.get("HF_HUB_OFFLINE", ""))
    return _QUICK.get(key, lambda: _quick_skip_reason(pretrained))


def _quick_skip_reason(pretrained: str | None) -> str | None:
    """Why CLIP weights certainly cannot be had, decided without importing torch or open_clip
    (importing open_clip alone takes ≈5 s); None means "try loading".

    A local checkpoint must exist; a tag is possible when the hub cache holds any CLIP-like
    repository (open_clip's hub repositories all have "clip" in their names) or the hub
    answers. The exact file is still checked by :func:`load_clip`.
    """
    if pretrained is None:
        return None
    if _looks_like_path(pretrained):
        path = Path(pretrained).expanduser()
        return None if path.is_file() else f"CLIP checkpoint {path} does not exist"
    cache = hub_cache_dir()
    if cache.is_dir() and any(d.name.startswith("models--") and "clip" in d.name.lower() for d in cache.iterdir()):
        return None
    problem = hub_problem()
    return str(_unavailable(pretrained, problem)) if problem else None


def _once(fn: Callable[[], str | None]) -> Callable[[], str | None]:
    """``fn`` evaluated on first call only: one load probes the hub at most once."""
    memo: list[str | None] = []

    def call() -> str | None:
        if not memo:
            memo.append(fn())
        return memo[0]

    return call


def _tag_checkpoint(model: str, tag: str, cfg: dict[str, Any], hub_problem: Callable[[], str | None]) -> str:
    """Local file for a pretrained tag: from the cache, else downloaded when the hub answers."""
    import open_clip

    label = f"{model}/{tag}"
    if cfg.get("file"):
        return str(cfg["file"])
    cache = hub_cache_dir()
    hub = str(cfg.get("hf_hub") or "")
    if hub:
        # "org/repo/" names the repo's default weights file, "org/repo/file.bin" a file.
        repo_id, filename = os.path.split(hub)
        filename = filename or open_clip.pretrained.HF_WEIGHTS_NAME
        found = cached_file(repo_id, _weight_files(filename), cache)
        if found:
            return found
        problem = hub_problem()
        if problem:
            raise _unavailable(label, problem)
        try:
            return open_clip.pretrained.download_pretrained_from_hf(repo_id, filename=filename, cache_dir=str(cache))
        except Exception as exc:  # huggingface_hub raises many types for a failed download
            raise ClipUnavailable(f"could not download CLIP weights for {label} from {repo_id}: {exc}") from exc
    url = str(cfg.get("url") or "")
    if not url:
        raise ClipConfigError(f"open_clip lists no source for {label}; pass a local checkpoint instead")
    local = Path("~/.cache/clip").expanduser() / os.path.basename(url)  # open_clip's URL cache
    if local.is_file():
        return str(local)
    if not reachable(url):
        raise _unavailable(label, f"{urlsplit(url).hostname} did not accept a connection")
    try:
        return open_clip.pretrained.download_pretrained_from_url(url)
    except Exception as exc:
        raise ClipUnavailable(f"could not download CLIP weights for {label} from {url}: {exc}") from exc


def _looks_like_path(value: str) -> bool:
    return os.sep in value or "/" in value or value.endswith(CHECKPOINT_SUFFIXES) or os.path.exists(value)


def _check_hub_text_tower(model: str, model_cfg: dict[str, Any], hub_problem: Callable[[], str | None]) -> None:
    """Models with a Hugging Face text tower (roberta, mt5, SigLIP…) need its config and
    tokenizer from the hub even with a local checkpoint; say so instead of retrying."""
    text_cfg = model_cfg.get("text_cfg", {})
    repos = sorted({text_cfg[k] for k in ("hf_model_name", "hf_tokenizer_name") if text_cfg.get(k)})
    if not repos:
        return
    missing = [r for r in repos if not cached_file(r, ["config.json", "tokenizer_config.json"], hub_cache_dir())]
    if not missing and hub_offline():
        return  # transformers reads the cache without asking the hub
    problem = hub_problem()
    if problem is None:
        return
    if missing:
        raise ClipUnavailable(
            f"{model} needs {', '.join(missing)} from the Hugging Face hub, which is unreachable "
            f"({problem}); download it once online"
        )
    raise ClipUnavailable(
        f"{model}'s text tower is cached but the hub is unreachable ({problem}); "
        "set HF_HUB_OFFLINE=1 so that transformers reads the cache without retrying"
    )


def _build(model: str, pretrained: str | None, device: str) -> ClipModel:
    # 1. Check the model name and device: mistakes a user can fix.
    import open_clip
    import torch

    names = open_clip.list_models()
    if model not in names:
        close = [n for n in names if model.lower().replace("/", "-") in n.lower()][:8]
        hint = f" (close: {', '.join(close)})" if close else ""
        raise ClipConfigError(
            f"unknown CLIP model {model!r}{hint}; valid names come from `open_clip.list_models()`, "
            "and `open_clip.list_pretrained()` lists them with their pretrained tags"
        )
    try:
        torch_device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ClipConfigError(f"invalid torch device {device!r}: {exc}") from exc
    if torch_device.type == "cuda" and not torch.cuda.is_available():
        raise ClipUnavailable(f"device {device!r} asked for CUDA, which is not available here; use device='cpu'")

    # 2. Resolve the weights to a local file without touching an unreachable hub.
    problem_once = _once(hub_problem)
    overrides: dict[str, Any] = {}
    checkpoint: str | None = None
    if pretrained:
        cfg = open_clip.get_pretrained_cfg(model, pretrained)
        if cfg:
            checkpoint = _tag_checkpoint(model, pretrained, cfg, problem_once)
            keys = {"mean": "image_mean", "std": "image_std", "interpolation": "image_interpolation",
                    "resize_mode": "image_resize_mode"}
            overrides = {arg: cfg[key] for key, arg in keys.items() if cfg.get(key) is not None}
            overrides["force_quick_gelu"] = bool(cfg.get("quick_gelu", False))
        elif _looks_like_path(pretrained):
            if not os.path.isfile(pretrained):
                raise ClipUnavailable(f"CLIP checkpoint {pretrained} does not exist (or is not a file)")
            checkpoint = pretrained
        else:
            tags = open_clip.list_pretrained_tags_by_model(model)
            raise ClipConfigError(
                f"{pretrained!r} is neither a pretrained tag of {model} nor a checkpoint file; "
                f"tags of {model}: {', '.join(tags) or 'none'} (`open_clip.list_pretrained()` lists all)"
            )
    _check_hub_text_tower(model, open_clip.get_model_config(model) or {}, problem_once)

    # 3. Build the model with the tag's preprocessing, then its tokenizer.
    try:
        net, _, preprocess = open_clip.create_model_and_transforms(
            model, pretrained=checkpoint, device=torch_device, pretrained_text=False, **overrides
        )
    except RuntimeError as exc:
        if "Error(s) in loading state_dict" in str(exc):
            raise ClipConfigError(f"checkpoint {checkpoint} does not fit model {model}: {str(exc)[:300]}") from exc
        raise ClipUnavailable(f"could not load CLIP {model} from {checkpoint or 'random weights'}: {exc}") from exc
    except Exception as exc:  # unreadable or truncated files raise pickle, OS and safetensors errors
        raise ClipUnavailable(f"could not load CLIP {model} from {checkpoint or 'random weights'}: {exc}") from exc
    net.eval()
    tokenizer = open_clip.get_tokenizer(model)
    return ClipModel(model=net, preprocess=preprocess, tokenizer=tokenizer, device=str(torch_device),
                     name=model, pretrained=pretrained)


_MODELS: LoadOnce[ClipModel] = LoadOnce(remembered=ClipUnavailable)


def load_clip(
    model: str = DEFAULT_MODEL, pretrained: str | None = DEFAULT_PRETRAINED, device: str = "cpu"
) -> ClipModel:
    """The process-wide CLIP ``model`` with ``pretrained`` weights on ``device``, built once.

    ``pretrained`` is an open_clip tag (looked up in the Hugging Face cache, downloaded
    only when the hub answers), a local checkpoint file, or None for random weights (tests
    only: random embeddings score nothing real). Raises :class:`ClipConfigError` for an
    unknown model, tag or a checkpoint of another architecture, and
    :class:`ClipUnavailable` when the weights cannot be had here; that failure is
    remembered per process (see :func:`clear_clip_cache`) so each image does not re-probe.
    """
    return _MODELS.get((model, pretrained, device), lambda: _build(model, pretrained, device))


def clear_clip_cache() -> None:
    """Forget loaded models and remembered failures (after downloading weights, in tests)."""
    _MODELS.forget()
    _QUICK.forget()
