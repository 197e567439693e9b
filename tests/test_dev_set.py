"""End to end on the development set (../shared/dev): real page excerpts of
fifteen sites, long documents in sites' styles, a PDF and a DOCX, scored with
the shared scoring tool. Skipped where ../shared is not checked out.

Two floors: the product's (what a user may count on, on every document) and a
regression guard just under what the pipeline reaches now (raise it with
the pipeline; lower it only with a reason in the commit).
"""
import json
import os
import subprocess
import sys

import pytest
from conftest import SHARED

from pipeline.run import ingest

DEV = os.path.join(SHARED, "dev")
SCORE = os.path.join(SHARED, "tools", "score.py")
THRESHOLDS = {"f1": 0.98, "type_acc": 0.98, "answer_acc": 0.97, "options_exact": 0.95, "stem_exact": 0.90,
              "open_answer_ok": 0.90}
REGRESSION = {"f1": 0.995, "type_acc": 0.995, "answer_acc": 0.99, "options_exact": 0.99, "stem_exact": 0.99,
              "open_answer_ok": 0.97}
PER_DOCUMENT = 0.9      # every document: questions found, kept apart, typed and answered
# the one hygiene miss left: a garbled heading (23, "??卸咸") no repair reads with confidence
HYGIENE_LEFT = {"boilerplate": 0, "pinyin": 0, "traditional": 0, "mojibake": 1}


@pytest.fixture(scope="module")
def dev_score(tmp_path_factory):
    if not (os.path.isdir(os.path.join(DEV, "raw")) and os.path.exists(SCORE)):
        pytest.skip("../shared/dev or its scoring tool not present")
    out = tmp_path_factory.mktemp("dev")
    with open(os.devnull, "w") as devnull:
        ingest(os.path.join(DEV, "raw"), str(out), log=devnull)
    res = subprocess.run([sys.executable, SCORE, str(out), os.path.join(DEV, "gold.jsonl"), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


@pytest.mark.parametrize("metric", THRESHOLDS)
def test_dev_score_meets_threshold(dev_score, metric):
    assert dev_score[metric] >= THRESHOLDS[metric], (metric, dev_score[metric], dev_score["misses"][:10])


@pytest.mark.parametrize("metric", REGRESSION)
def test_dev_score_does_not_regress(dev_score, metric):
    assert dev_score[metric] >= REGRESSION[metric], (metric, dev_score[metric], dev_score["misses"][:10])


def test_every_dev_document_is_read(dev_score):
    weak = {}
    for doc, s in dev_score["per_doc"].items():
        rates = {"recall": s["matched"] / s["gold"], "precision": s["matched"] / max(s["pred"], 1),
                 "type": s["type_ok"] / max(s["matched"], 1)}
        if s.get("obj_n"):
            rates["answers"] = s["obj_ok"] / s["obj_n"]
        if s.get("open_n"):
            rates["open_answers"] = s["open_ok"] / s["open_n"]
        low = {k: round(v, 3) for k, v in rates.items() if v < PER_DOCUMENT}
        if low:
            weak[doc] = low
    assert not weak, weak


def test_dev_hygiene(dev_score):
    counts = dev_score["hygiene"]["counts"]
    assert all(counts[k] <= n for k, n in HYGIENE_LEFT.items()), dev_score["hygiene"]["examples"]
