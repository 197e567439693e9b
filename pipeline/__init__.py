"""tiku: scraped Chinese exam documents → clean, validated question datasets."""
from .dataset import load  # noqa: F401
from .model import PIPELINE_VERSION as __version__  # noqa: F401
