"""Indicators: pure functions over DataFrames, English column names, shares 0–1.

``coverage`` (supply per unit, white spots, nearest distances, 2SFCA from one
:class:`~kpss_lib.indicators.coverage.IndicatorBasis`), ``distance`` and ``access``
(distances, 2SFCA/E2SFCA), ``compare`` (regions side by side, ranks, peers),
``need`` (ageing, DataPAQ), ``selection`` (which services), ``planning`` (funding,
plans, partners). Nothing here reads files, draws or speaks Czech to users: inputs
come from :mod:`kpss_lib.load` (usually through :func:`kpss_lib.study.open_study`),
labels from :mod:`kpss_lib.vocabulary`.
"""
