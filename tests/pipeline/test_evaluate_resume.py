"""The evaluate stage keeps each model's metrics as soon as they exist and, resumed, evaluates
only the models it had not finished."""

import json
from types import SimpleNamespace

import pytest

from qnas.ir import Circuit, Op, param
from qnas.pipeline.stages.evaluate import evaluate_all


class Killed(Exception):
    pass


def test_evaluate_resumes_model_by_model(tmp_path):
    c = Circuit(1, [Op("ry", (0,), (param("w"),))])
    models = {m: {"circuit": c.to_text(), "params": [0.1 * (i + 1)], "layout": None}
              for i, m in enumerate("abc")}
    calls, crash = [], {"at": 2}

    def evaluate(deployed, values, trained, trained_values, layout):
        calls.append(1)
        if len(calls) == crash["at"]:
            raise Killed("killed during the second model")
        return {"acc": len(calls)}

    ctx = SimpleNamespace(task=SimpleNamespace(evaluate=evaluate))
    partial = tmp_path / "partial.json"
    with pytest.raises(Killed):
        evaluate_all(ctx, models, partial)
    assert json.loads(partial.read_text()) == {"a": {"acc": 1}}
    calls.clear()
    crash["at"] = None
    out = evaluate_all(ctx, models, partial)
    assert out == {"a": {"acc": 1}, "b": {"acc": 1}, "c": {"acc": 2}}  # b, c evaluated now
    assert len(calls) == 2 and json.loads(partial.read_text()) == out
