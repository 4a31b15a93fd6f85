"""The demo issue (PaperDaily #128) and the service that loads it."""

from recommendations.demo.loader import DEMO_PATH, DemoLoadResult, demo_load

__all__ = ["DEMO_PATH", "DemoLoadResult", "demo_load"]
