"""The garbage collector set for a long-running server process.

CPython's cyclic collector walks every container object of a generation
when it collects it, and a full (generation-2) collection walks all of them:
the modules, SQLAlchemy's metadata and compiled statements, the connection
pools, the process-local caches. In a server that holds many long-lived
objects each full collection stops the event loop for as long as that walk
takes, and with the default thresholds (700 allocations for a young
collection) the young collections run hundreds of times a second under load.

``settle`` collects once and then freezes what is alive
(``gc.freeze``: those objects move to a permanent generation that no
collection walks again). It runs after start-up, when the objects that live
as long as the process exist, and again after a warm-up, once the caches
have filled. ``raise_thresholds`` makes young collections rarer: a request
allocates a few thousand objects and frees nearly all of them by reference
counting, so a larger first generation finds the same cycles with far
fewer passes.

The cost: a cycle of garbage frozen by ``settle`` is never freed (the
collection just before the freeze leaves only live objects, so this is what
became garbage between that collection and the freeze: nothing, in one
thread). Objects frozen and later dropped by reference counting are freed
as usual.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger("roost.stalls")

# Allocations (net of frees) between young collections; CPython's default is
# 700. The older generations keep their ratios.
GEN0_THRESHOLD = 50_000
GEN1_THRESHOLD = 20
GEN2_THRESHOLD = 20


def raise_thresholds() -> None:
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)


def settle(reason: str) -> None:
    """Collect everything, then freeze what survived (logged with ``reason``)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "garbage collector settled (%s): %d objects frozen, %.1fms",
        reason,
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


def restore() -> None:
    """CPython's defaults, everything scanned again (tests)."""
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
