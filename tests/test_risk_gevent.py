"""In production the model scores on gevent's threadpool (real threads). The first scoring
imports modules lazily; imports there take module locks gevent has patched into greenlet
locks, and several threads at once hung a gunicorn worker. Process start (`load_model`)
does those imports on the main thread, so scoring afterwards imports nothing."""

from __future__ import annotations

import subprocess
import sys

from warmline import ROOT

SCORE_AFTER_START = """
import sys

from warmline import create_app
from warmline.services import risk

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
risk.load_model(app)
before = set(sys.modules)
with app.app_context():
    for text in ("I can't do this anymore, I have the pills here", "ya no puedo más", "a good day"):
        risk.assess(text, app.config.get("RISK_EXTRA_PHRASES"), app.config.get("RISK_MODEL_PATH"))
print(sorted(set(sys.modules) - before))
"""


def test_scoring_after_process_start_imports_nothing():
    run = subprocess.run(
        [sys.executable, "-c", SCORE_AFTER_START], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_without_the_start_scoring_would_import_on_the_threadpool():
    """The guard above means something: a fresh process's first score does import."""
    first_score = SCORE_AFTER_START.replace("risk.load_model(app)\n", "")
    run = subprocess.run([sys.executable, "-c", first_score], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] != "[]"
