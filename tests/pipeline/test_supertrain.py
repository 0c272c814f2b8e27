"""SuperCircuit training: the sandwich rule trains the largest SubCircuit at every step."""

import pytest
import torch

from qnas.config import from_dict


class _SmallOnly:
    """A sampler that always returns a one-block SubCircuit."""

    def __init__(self, spec):
        self.spec = spec

    def sample(self, step=None):
        return self.spec


@pytest.mark.parametrize("sandwich", [False, True])
def test_sandwich_trains_weights_outside_the_sampled_subcircuit(tmp_path, monkeypatch,
                                                               sandwich):
    import qnas.pipeline.stages.supercircuit as st
    from qnas.pipeline.context import Context
    from qnas.spaces import SubCircuitSpec

    cfg = from_dict({"task": "digits4", "device": "santiago", "model": {"blocks": 2},
                     "supercircuit": {"epochs": 1, "sandwich": sandwich},
                     "train": {"batch_size": 128}})
    ctx = Context(cfg)
    small = SubCircuitSpec.from_string("blocks=1; 4,4")
    monkeypatch.setattr(st, "make_sampler", lambda *a: _SmallOnly(small))
    _, used = ctx.sc.subcircuit(small)
    unused = torch.ones(ctx.sc.num_weights, dtype=torch.bool)
    unused[used] = False
    before = ctx.sc.weights.detach().clone()
    st.train_supercircuit(ctx, tmp_path / "sc.pt", progress=False)
    after = ctx.sc.weights.detach()
    assert not torch.equal(before[used], after[used])
    # Weights outside the step's SubCircuit keep their values exactly (Adam's normalised
    # weight decay would otherwise pull them towards 0); the sandwich step trains them.
    moved = (after[unused] - before[unused]).abs().max().item()
    if sandwich:
        assert moved > 1e-3
    else:
        assert moved == 0.0
