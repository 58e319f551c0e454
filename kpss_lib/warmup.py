"""Pre-load what every coverage notebook needs, for ``kpss run``'s warm kernels.

``kpss run`` forks each notebook's kernel from a process that has imported the
modules in ``kpss_lib.runner.zygote.WARM_KERNEL_MODULES``; that process calls
:func:`warm` (through :mod:`kpss_lib.runner.server`) to read the converted inputs
(obce, services, ORP, DataPAQ, roads), import the map stack and build the region index once, so forked kernels
start with them in memory instead of each job reading them again. Importing this
module does nothing. It only warms caches: any failure (no data directory, say)
leaves the kernels to load data themselves, as they would anyway.
"""
from __future__ import annotations

import os


def warm() -> bool:
    """Load the common inputs into this process' caches; True when it worked."""
    try:
        # mapclassify imports matplotlib, which reads MPLBACKEND once, at import. The
        # kernels forked from here are ipykernels: name their inline backend now (it is
        # only resolved at the first plot, inside the kernel), or charts stop showing.
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        import branca  # noqa: F401  (imported lazily by maps)
        import mapclassify  # noqa: F401  (~0.5 s on the first map of every job otherwise)
        import scipy.spatial  # noqa: F401

        import kpss_lib.maps  # noqa: F401  (folium, branca and the basemap compile ~100 templates: ~0.5 s)
        from kpss_lib.load.datapaq import load_datapaq
        from kpss_lib.load.roads import load_roads, roads_available
        from kpss_lib.load.services import load_services
        from kpss_lib.load.territory import find_region, load_level

        for level in ("obec", "orp", "kraj"):
            load_level(level)
        load_services()
        load_datapaq()
        if roads_available():
            load_roads()  # the offline base of every map (and the road costs)
        find_region("CZ")  # builds the region index
        _warm_projections()
        _warm_writers()
    except Exception:  # a cache warmer must never break a run
        return False
    return True


def _warm_projections() -> None:
    """Build the WGS 84 ↔ S-JTSK transformations once (pyproj looks them up in its database: ~0.1 s)."""
    import geopandas as gpd
    from shapely.geometry import Point

    from kpss_lib.config import CRS_METRIC, CRS_WGS84

    gpd.GeoSeries([Point(17.0, 49.2)], crs=CRS_WGS84).to_crs(CRS_METRIC).to_crs(CRS_WGS84)


def _warm_writers() -> None:
    """Import what a report's tables first use: openpyxl (~0.5 s) and pandas' HTML output."""
    import io

    import pandas as pd

    frame = pd.DataFrame({"obec": ["Zlín"], "hodnota": [1.5]})
    frame.to_excel(io.BytesIO(), engine="openpyxl", index=False)
    frame.to_html()
