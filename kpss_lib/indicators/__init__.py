"""Indicators: pure functions over DataFrames (distances, coverage, accessibility).

Nothing here reads files or draws maps; inputs come from :mod:`kpss_lib.load`.
"""
