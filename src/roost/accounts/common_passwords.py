"""The most common passwords, refused at sign-up whatever their length.

``common-passwords.txt.gz`` (beside this module) holds the first 10,000
entries, most common first, of the list Django ships as
``django/contrib/auth/common-passwords.txt.gz`` (Django 5.2, BSD licence,
taken from its PyPI wheel). That list was made by Royce Williams from
breach corpora: unhexed, lower-cased and deduplicated. Comparison is
lower-cased and ignores surrounding spaces, so "Password" and "PASSWORD "
are refused like "password".
"""

from __future__ import annotations

import functools
import gzip
from importlib import resources

LIST_FILE = "common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, read once per process."""
    data = resources.files(__package__).joinpath(LIST_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split("\n")) - {""}


def is_common_password(password: str) -> bool:
    return password.strip().lower() in common_passwords()
