"""The warm-kernel pre-loader fills the caches and leaves matplotlib alone."""
from __future__ import annotations

import subprocess
import sys


def test_warmup_loads_inputs_and_keeps_charts_inline():
    # matplotlib imported before ipykernel starts must already name the inline backend,
    # or charts silently vanish from every report (tests/test_runner.py checks a real plot).
    code = ("import os, sys; os.environ.pop('MPLBACKEND', None); import kpss_lib.warmup as w; "
            "import matplotlib; "
            "print(w.WARMED, 'mapclassify' in sys.modules, matplotlib.rcParams['backend'], "
            "len(__import__('kpss_lib.load.cache', fromlist=['_memory'])._memory) >= 3)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "True", "module://matplotlib_inline.backend_inline", "True"], \
        result.stdout + result.stderr
