"""Scraping the operators' metrics as Prometheus does: the text parsed by prometheus_client's own parser."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-" + "0f3a9c" * 6  # EDS_METRICS_TOKEN of the tests' apps (32+ characters)
BEARER = {"Authorization": f"Bearer {TOKEN}"}
DIGIT_RUN = re.compile(r"\d{4,}")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """``{(sample name, sorted labels): value}`` of an exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The sample ``name`` with exactly ``labels`` (None when it is not in the scrape)."""
    return samples.get((name, tuple(sorted(labels.items()))))


def label_values(samples: Samples) -> set[str]:
    return {label for _, labels in samples for _, label in labels}
