"""The training-step circuit in TorchQuantum 0.1.8 (``bench/.venv-peers`` only).

Uses the stock pieces QuantumNAS uses: ``tq.GeneralEncoder`` (for 4 wires the exact
``encoder_op_list_name_dict['4x4_ryzxy']`` list), ``tq.layer.U3CU3Layer0`` (8 blocks of
U3 on every wire + circular CU3 ring) and ``tq.MeasureAll(tq.PauliZ)``.

Example::

    model = build_model(4, make_data(4, 8))
    z = model(make_data(4, 8)["x"])        # [8, 4] <Z> values
"""

from __future__ import annotations

import torch
from spec import N_BLOCKS, encoder_ops
from tq_import import import_torchquantum

tq = import_torchquantum()


def encoder_func_list(n_wires: int) -> list[dict]:
    """TorchQuantum GeneralEncoder list for ``spec.encoder_ops`` (== 4x4_ryzxy for n=4)."""
    funcs = [
        {"input_idx": [f], "func": g, "wires": [w]} for g, w, f in encoder_ops(n_wires)
    ]
    if n_wires == 4 and funcs != tq.encoder_op_list_name_dict["4x4_ryzxy"]:
        raise AssertionError("spec.encoder_ops(4) differs from TorchQuantum's 4x4_ryzxy")
    return funcs


class TQModel(tq.QuantumModule):
    """Encoder + U3CU3Layer0 + MeasureAll(PauliZ) with weights loaded from ``data``."""

    def __init__(self, n_wires: int, data: dict[str, torch.Tensor]):
        super().__init__()
        self.n_wires = n_wires
        self.encoder = tq.GeneralEncoder(encoder_func_list(n_wires))
        self.layer = tq.layer.U3CU3Layer0({"n_wires": n_wires, "n_blocks": N_BLOCKS})
        self.measure = tq.MeasureAll(tq.PauliZ)
        with torch.no_grad():
            for b in range(N_BLOCKS):
                for w, op in enumerate(self.layer.layers_all[2 * b].ops_all):
                    op.params.copy_(data["u3"][b, w][None])
                # Op2QAllLayer(circular): op k acts on wires [k, (k+1) % n] = spec.ring_pairs
                for k, op in enumerate(self.layer.layers_all[2 * b + 1].ops_all):
                    op.params.copy_(data["cu3"][b, k][None])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        qdev = tq.QuantumDevice(n_wires=self.n_wires, bsz=x.shape[0], device=x.device)
        self.encoder(qdev, x)
        self.layer(qdev)
        return self.measure(qdev)


def build_model(n_wires: int, data: dict[str, torch.Tensor]) -> TQModel:
    """A ready model; ``model(x)`` -> ``[B, n_wires]`` float32 ``<Z>``."""
    return TQModel(n_wires, data)


def version() -> str:
    return tq.__version__
