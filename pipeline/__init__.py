"""tiku: scraped Chinese exam documents → clean, validated question datasets."""
from .model import PIPELINE_VERSION as __version__  # noqa: F401
