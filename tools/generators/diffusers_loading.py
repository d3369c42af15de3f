"""Loading a diffusers text-to-image pipeline: hub ids and local folders, device and dtype,
and a fast, explicit failure when the model is not here and the hub cannot be reached.

Hub libraries retry for tens of seconds when the hub is unreachable; :func:`load_pipeline`
asks the local cache and :mod:`tools.hub` first, so a missing model fails in about a second
with a message that says what to do, and a cached one loads without touching the network.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from tools.generators.base import BackendError
from tools.hub import cached_file, hub_cache_dir, hub_problem

if TYPE_CHECKING:  # pragma: no cover - types only
    import torch
    from diffusers import DiffusionPipeline

_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")
MIN_TOKENIZER_SIZE = 1000
"""Smaller than any real CLIP/T5 vocabulary: transformers can hand back an empty 2-token
tokenizer instead of raising when files are missing."""


def pick_device(requested: str = "auto") -> str:
    """``auto``: cuda, else mps, else cpu; an explicit choice is checked, not trusted."""
    import torch

    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise BackendError(f"device {requested!r} asked for, but torch sees no CUDA GPU; use device=auto or cpu")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise BackendError("device 'mps' asked for, but MPS is not available; use device=auto or cpu")
    return requested


def pick_dtype(device: str, requested: str = "auto") -> "torch.dtype":
    """``auto``: half precision on accelerators (bf16 where the GPU has it), fp32 on the CPU."""
    import torch

    names = {"float16": torch.float16, "fp16": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
             "float32": torch.float32, "fp32": torch.float32}
    if requested != "auto":
        if requested not in names:
            raise BackendError(f"unknown dtype {requested!r}; use auto, float16, bfloat16 or float32")
        return names[requested]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def _source(model: str) -> tuple[str, dict[str, Any]]:
    """Where to load ``model`` from and the from_pretrained flags that keep it off the network
    when it is local; raises BackendError at once when it cannot be had."""
    path = Path(model).expanduser()
    if path.exists():
        if path.is_file():
            raise BackendError(
                f"{model} is a single file; limner loads diffusers pipeline folders (with model_index.json) "
                "or hub ids. Convert a .safetensors/.ckpt checkpoint with diffusers' from_single_file first"
            )
        if not (path / "model_index.json").is_file():
            raise BackendError(f"{model} is not a diffusers pipeline folder: it has no model_index.json")
        return str(path), {}
    if not _HUB_ID.match(model):
        raise BackendError(f"model {model!r} is neither an existing folder nor a hub id like 'stabilityai/sd-turbo'")
    if cached_file(model, ["model_index.json"], hub_cache_dir()):
        return model, {"local_files_only": True}
    problem = hub_problem()
    if problem:
        raise BackendError(
            f"model {model!r} is not in the local cache ({hub_cache_dir()}) and the hub cannot be reached "
            f"({problem}). Download it where there is a network (`hf download {model}`), copy the cache "
            "or the pipeline folder here, and pass the folder with --model"
        )
    return model, {}


def load_pipeline(model: str, *, device: str = "auto", dtype: str = "auto", cpu_offload: bool = False,
                  attention_slicing: bool = False) -> "DiffusionPipeline":
    """The text-to-image pipeline ``model`` names, on the chosen device, checked before use."""
    source, flags = _source(model)
    try:
        import torch  # noqa: F401 - imported here so that listing backends never pays for it
        from diffusers import AutoPipelineForText2Image
    except ImportError as error:  # pragma: no cover - diffusers is a dependency
        raise BackendError("the diffusers backend needs diffusers and torch: pip install diffusers torch") from error
    chosen = pick_device(device)
    torch_dtype = pick_dtype(chosen, dtype)
    try:
        with _quiet_loading():
            pipe = AutoPipelineForText2Image.from_pretrained(source, torch_dtype=torch_dtype, **flags)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, EnvironmentError) as error:
        message = str(error).replace("\n", " ")[:300]
        raise BackendError(f"cannot load {model!r} as a text-to-image pipeline: {message}") from error
    _check(pipe, model)
    if cpu_offload and chosen.startswith("cuda"):
        pipe.enable_model_cpu_offload()  # moves each component to the GPU only while it runs
    else:
        pipe.to(chosen)
    if attention_slicing:
        pipe.enable_attention_slicing()
    pipe.set_progress_bar_config(disable=True)  # limner reports steps through its own events
    return pipe


def ip_adapter_source(spec: str) -> tuple[str, str | None, str]:
    """(repo or folder, subfolder, file) of IP-Adapter weights (``repo/subfolder/file`` on the
    hub, or a local file); fails at once when they cannot be had, before any model loads."""
    path = Path(spec).expanduser()
    if path.is_file():
        repo, subfolder, weight = str(path.parent), None, path.name
    else:
        parts = spec.split("/")
        if len(parts) < 3:
            raise BackendError(f"ip_adapter {spec!r} is neither a file nor 'repo/subfolder/file' "
                               "(e.g. h94/IP-Adapter/models/ip-adapter_sd15.bin)")
        repo, subfolder, weight = "/".join(parts[:2]), "/".join(parts[2:-1]) or None, parts[-1]
        inside = f"{subfolder}/{weight}" if subfolder else weight
        if not cached_file(repo, [inside], hub_cache_dir()):
            problem = hub_problem()
            if problem:
                raise BackendError(f"IP-Adapter {spec!r} is not in the local cache and the hub cannot be reached "
                                   f"({problem}); download it with `hf download {repo} {inside}` where there is a network")
    return repo, subfolder, weight


def load_ip_adapter(pipe: Any, spec: str, scale: float) -> None:
    """Attach the IP-Adapter weights ``spec`` names to ``pipe`` at ``scale``."""
    repo, subfolder, weight = ip_adapter_source(spec)
    try:
        pipe.load_ip_adapter(repo, subfolder=subfolder or "", weight_name=weight)
        pipe.set_ip_adapter_scale(scale)
    except Exception as error:  # noqa: BLE001 - any loader failure becomes one clear line
        raise BackendError(f"cannot load IP-Adapter {spec!r}: {str(error).splitlines()[0][:200]}") from error


@contextmanager
def _quiet_loading() -> Iterator[None]:
    """No per-component progress bars on stderr (limner prints its own progress), and no
    warning that ``torch_dtype`` is being renamed (the old name works on every supported version)."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        try:
            yield
        finally:
            diffusers_logging.enable_progress_bar()
            transformers_logging.enable_progress_bar()


def _check(pipe: Any, model: str) -> None:
    """Refuse pipelines that loaded but cannot work (no unet/transformer, an empty tokenizer)."""
    if getattr(pipe, "unet", None) is None and getattr(pipe, "transformer", None) is None:
        raise BackendError(f"{model!r} loaded as {type(pipe).__name__}, which has no denoiser; not a text-to-image model")
    tokenizer = getattr(pipe, "tokenizer", None)
    if tokenizer is not None and len(tokenizer) < MIN_TOKENIZER_SIZE:
        raise BackendError(
            f"{model!r} has a tokenizer of {len(tokenizer)} tokens: its tokenizer files are missing or broken "
            "(an incomplete download or cache); download the model again"
        )
