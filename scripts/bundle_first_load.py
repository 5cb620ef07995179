"""Bytes of a built single-page app's first load, compressed the way Roost's
own figure is (`AssetBundle.first_load_bytes()`: gzip level 9, per file).

    python3 scripts/bundle_first_load.py path/to/dist

Reads the build's ``index.html``: the scripts it runs, the style sheets it
links and the modules it preloads, then every module those import
statically (``import ... from "./x.js"``, ``import "./x.js"``,
``export ... from "./x.js"``), transitively. Dynamic ``import()`` is left
out: those chunks load later, for a given screen. Prints the first load and,
for comparison, every .js and .css file of the build.
"""

from __future__ import annotations

import gzip
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

STATIC_IMPORT = re.compile(
    r"""(?:\bimport|\bexport)\s*(?:[\w*${}\s,]+?\s*from\s*)?["']([^"']+\.(?:js|mjs|css))["']"""
)


class Entries(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.found.append(str(values["src"]))
        rel = (values.get("rel") or "").split()
        if tag == "link" and values.get("href") and ("stylesheet" in rel or "modulepreload" in rel):
            self.found.append(str(values["href"]))


def local(root: Path, base: Path, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return None  # another host: not part of the build
    path = parts.path
    found = (root / path.lstrip("/")) if path.startswith("/") else (base / path)
    found = found.resolve()
    return found if found.is_file() and found.suffix in (".js", ".mjs", ".css") else None


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9, mtime=0))


def main() -> None:
    root = Path(sys.argv[1]).resolve()
    parser = Entries()
    parser.feed((root / "index.html").read_text())
    queue = [p for p in (local(root, root, u) for u in parser.found) if p is not None]
    first: set[Path] = set()
    while queue:
        path = queue.pop()
        if path in first:
            continue
        first.add(path)
        if path.suffix != ".css":
            for url in STATIC_IMPORT.findall(path.read_text(errors="replace")):
                found = local(root, path.parent, url)
                if found is not None:
                    queue.append(found)
    every = [p for p in root.rglob("*") if p.is_file() and p.suffix in (".js", ".mjs", ".css")]
    for label, files in (("first load", sorted(first)), ("all JS + CSS", every)):
        raw = sum(p.stat().st_size for p in files)
        zipped = sum(gzipped(p) for p in files)
        print(
            f"{label}: {len(files)} files, {raw / 1000:.1f} kB raw, {zipped / 1000:.1f} kB gzip -9"
        )
    for path in sorted(first):
        print(f"  {path.relative_to(root)}: {path.stat().st_size} raw, {gzipped(path)} gzip -9")


if __name__ == "__main__":
    main()
