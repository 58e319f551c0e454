"""The warm-kernel pre-loader fills the caches and leaves matplotlib alone."""
from __future__ import annotations

import subprocess
import sys


def test_warmup_loads_inputs_without_importing_matplotlib():
    # matplotlib imported before ipykernel starts would stop inline charts in every report.
    code = ("import sys, kpss_lib.warmup as w; "
            "print(w.WARMED, 'matplotlib' in sys.modules, len(__import__('kpss_lib.load.cache', "
            "fromlist=['_memory'])._memory) >= 3)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "False", "True"], result.stdout + result.stderr
