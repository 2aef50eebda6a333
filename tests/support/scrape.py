"""Read a ``/metrics`` endpoint the way Prometheus does, for tests:

    now = await scrape(url)
    now.value("parley_worker_processed_total", function="chat")     # one series
    now.total("parley_worker_processed_total", function="chat")     # summed over the others

The text is parsed with prometheus_client's own parser, so a malformed exposition fails.
"""

from __future__ import annotations

import asyncio
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """Every sample of one scrape: (name, sorted labels) -> value."""

    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]

    def series(self, name: str, **labels: str) -> dict[tuple[tuple[str, str], ...], float]:
        """The samples called ``name`` whose labels include ``labels``."""
        wanted = set(labels.items())
        return {
            key: value
            for (sample, key), value in self.samples.items()
            if sample == name and wanted <= set(key)
        }

    def value(self, name: str, **labels: str) -> float:
        """The one sample called ``name`` with exactly these labels (0 when there is none: a
        labelled counter appears only once it counted something)."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def total(self, name: str, **labels: str) -> float:
        return sum(self.series(name, **labels).values())


def parse(text: str) -> Scrape:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return Scrape(samples)


async def scrape(url: str, timeout: float = 10.0) -> Scrape:
    def read() -> str:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body: bytes = response.read()
            return body.decode()

    return parse(await asyncio.to_thread(read))
