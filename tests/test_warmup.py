"""The warm-kernel pre-loader fills the caches and leaves matplotlib alone."""
from __future__ import annotations

import subprocess
import sys


def test_warmup_loads_inputs_and_keeps_charts_inline():
    # matplotlib imported before ipykernel starts must already name the inline backend,
    # or charts silently vanish from every report (tests/test_runner.py checks a real plot).
    # Importing the module does nothing; warm() does the work.
    code = ("import os, sys; os.environ.pop('MPLBACKEND', None); import kpss_lib.warmup as w; "
            "memory = __import__('kpss_lib.load.cache', fromlist=['_memory'])._memory; "
            "print(len(memory), 'mapclassify' in sys.modules, 'MPLBACKEND' in os.environ); "
            "warmed = w.warm(); import matplotlib; "
            "print(warmed, 'mapclassify' in sys.modules, matplotlib.rcParams['backend'], len(memory) >= 3)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0", "False", "False",
                                     "True", "True", "module://matplotlib_inline.backend_inline", "True"], \
        result.stdout + result.stderr
