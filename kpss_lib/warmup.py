"""Pre-load what every coverage notebook needs, for ``kpss run``'s warm kernels.

``kpss run`` forks each notebook's kernel from a process that has imported the
modules in ``runner.WARM_KERNEL_MODULES``; importing this module there also reads the
converted inputs (obce, services, ORP, DataPAQ) and builds the region index once, so
forked kernels start with them in memory instead of each job reading them again. It
only warms caches: any failure (no data directory, say) leaves the kernels to load
data themselves, as they would anyway.
"""
from __future__ import annotations


def warm() -> bool:
    """Load the common inputs into this process' caches; True when it worked."""
    try:
        # Not mapclassify: it imports matplotlib, and ipykernel can only switch
        # matplotlib to the inline backend if it is imported after the kernel starts.
        import branca  # noqa: F401  (imported lazily by maps)
        import scipy.spatial  # noqa: F401

        from kpss_lib.load.datapaq import load_datapaq
        from kpss_lib.load.services import load_services
        from kpss_lib.load.territory import find_region, load_level

        for level in ("obec", "orp", "kraj"):
            load_level(level)
        load_services()
        load_datapaq()
        find_region("CZ")  # builds the region index
    except Exception:  # a cache warmer must never break a run
        return False
    return True


WARMED = warm()
