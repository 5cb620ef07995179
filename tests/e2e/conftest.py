"""The served Roost most end-to-end tests talk to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.served import served_roost


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`roost serve` on the embedded default, data in ``tmp_path / "data"``;
    its base URL. No ROOST_PUBLIC_URL: the server must derive it from the
    port it serves."""
    with served_roost(tmp_path) as (port, log):
        assert f"Roost on http://localhost:{port}" in log.read_text()
        yield f"http://localhost:{port}"
