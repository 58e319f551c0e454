"""Sub-commands of ``kpss``: each module exposes ``register(subparsers)``."""
