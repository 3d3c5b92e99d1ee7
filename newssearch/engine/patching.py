"""Every patch of Whoosh, applied once, and only to the Whoosh these patches were written for."""

from __future__ import annotations

import whoosh

from ..errors import NewsSearchError
from .deflate import install_deflate
from .frequencies import install_frequencies
from .loading import install_loading
from .pool import install_pool
from .positions import install_codec
from .storage import install_storage

PINNED_WHOOSH = (2, 7, 5)
_installed: list[bool] = []


class WhooshVersionError(NewsSearchError):
    """The installed Whoosh is not the one newssearch's patches were written and tested for."""

    def __init__(self, found: tuple[int, ...]) -> None:
        self.found = found
        pinned = ".".join(map(str, PINNED_WHOOSH))
        super().__init__(f"newssearch needs Whoosh {pinned} (whoosh-reloaded=={pinned}), not "
                         f"{'.'.join(map(str, found))}: pip install 'whoosh-reloaded=={pinned}'")


def check_version(found: tuple[int, ...] | None = None) -> None:
    """Raise WhooshVersionError unless Whoosh is the pinned version."""
    found = tuple(whoosh.__version__) if found is None else found
    if found[:3] != PINNED_WHOOSH:
        raise WhooshVersionError(found)


def install() -> None:
    """Check the Whoosh version, then make every pickle it reads restricted to its own and our
    classes (loading), its segments zero-copy to read (storage), its segment writer faster
    (pool), its posting blocks compact (positions) and quicker to deflate (deflate), and its
    readers remembering their terms and document frequencies (frequencies). Idempotent;
    worker processes call it too (a spawned worker starts without the patches)."""
    if _installed:
        return
    check_version()
    install_loading()
    install_storage()
    install_codec()
    install_deflate()
    install_pool()
    install_frequencies()
    _installed.append(True)
