"""The benchmark harness behind `roost bench` (install the ``bench`` extra).

The extra's packages are checked here, on import, because the harness
imports each only where it is used: matplotlib to draw the plot at the end
of a run that can last hours, granian, Litestar and FastAPI for some runs.
Missing, they stop `roost bench` before it starts instead of late.
"""

import importlib.util

EXTRA_MODULES = ("matplotlib", "granian", "litestar", "fastapi")

for _name in EXTRA_MODULES:
    if importlib.util.find_spec(_name) is None:
        raise ModuleNotFoundError(f"No module named {_name!r} (the bench extra)", name=_name)
