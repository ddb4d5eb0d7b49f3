"""The tutorial's script with the imports changed runs end to end (on the
bundled corpus)."""

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "run_annoy.py"


def test_run_annoy_runs_end_to_end():
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "Approximate Neighbors" in done.stdout and "Exact Neighbors" in done.stdout
    assert "times faster" in done.stdout
