"""Sub-commands of ``kpss``: each module exposes ``register(subparsers)``.

``indicators`` and ``map`` share their selection flags and open one study through
``options`` (:func:`kpss_lib.study.open_study`); ``territory``, ``template``, ``data``
and ``run`` are the other commands.
"""
