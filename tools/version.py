"""The installed limner version (from package metadata; the source tree's when not installed)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("limner")
except PackageNotFoundError:  # running from a checkout without `pip install -e .`
    __version__ = "0.0.0+source"
