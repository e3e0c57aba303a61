"""`lifeline demo` on an install without the `demo` extra says which extra to install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The extra's packages made unimportable, as on `pip install .` without extras.
_DEMO_WITHOUT_THE_EXTRA = """
import sys
for name in ("russiannames", "names_translator", "translitua"):
    sys.modules[name] = None
sys.argv = ["lifeline", "demo", "--if-empty"]
from lifeline.cli import main
main()
"""


@pytest.mark.slow
def test_the_demo_without_its_extra_names_the_extra(tmp_path: Path) -> None:
    env = {**os.environ, "LIFELINE_DEV_KEYS": "1", "LIFELINE_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _DEMO_WITHOUT_THE_EXTRA],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("lifeline demo: the translitua package is missing")
    assert "pip install 'lifeline[demo]'" in done.stderr
