"""Aer evaluation: exact probabilities with readout error, per-input predictions, noise scale.

The exact probabilities ``aer_outcomes`` returns (Aer's ``save_probabilities`` plus the
device's readout error) must equal qnas's own density-matrix chain on the same compiled
circuit, at the snapshot's noise and with the device noise doubled (``noise_scale=2``, the
scaled snapshot that qnas and Aer both read), and the 8192-shot counts must scatter around
them by no more than sampling noise.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qnas.ir import Circuit, Op, inp, param

pytest.importorskip("qiskit_aer")

DEVICE, LAYOUT = "lima", (4, 3, 1)


def _circuit() -> Circuit:
    return Circuit(3, [
        Op("ry", (0,), (inp("x0"),)), Op("ry", (1,), (inp("x1"),)), Op("cx", (0, 1)),
        Op("u3", (2,), (param("a"), param("b"), param("c"))), Op("cx", (2, 0)),
        Op("crx", (1, 2), (param("d"),)), Op("h", (2,)),
    ])


VALUES = {"a": 0.7, "b": -1.2, "c": 0.4, "d": 1.9}
X = [[0.4, 1.1], [2.2, -0.3], [1.5, 3.0]]


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_exact_probabilities_match_qnas_density_chain(scale):
    from qnas.backends.aer_eval import aer_outcomes, fake_backend
    from qnas.devices import Target
    from qnas.noisy import DeviceCircuit

    circuit = _circuit().bind(VALUES)
    bindings = [dict(zip(circuit.inputs, row)) for row in X]
    counts, probs = aer_outcomes(circuit, bindings, DEVICE, LAYOUT, shots=8192, seed=3,
                                 noise_scale=scale)
    target = Target.from_backend(fake_backend(DEVICE, scale))
    dc = DeviceCircuit.compile(circuit, target, LAYOUT)
    ours = dc.probabilities(None, torch.tensor(X, dtype=torch.float64), method="density")
    np.testing.assert_allclose(probs, ours.numpy(), atol=1e-5)
    for row, c in zip(probs, counts):  # shots scatter around the exact values
        freq = np.zeros(8)
        for key, k in c.items():
            freq[int(key, 2)] += k / 8192
        assert np.abs(freq - row).max() < 4 * np.sqrt(0.25 / 8192)


def test_noise_scale_lowers_accuracy_and_predictions_are_per_input():
    from qnas.backends.aer_eval import aer_classification

    c = Circuit(2, [Op("rx", (0,), (inp("x0"),)), Op("cx", (0, 1)), Op("rx", (1,), (inp("x0"),))])
    x = torch.tensor([[0.0], [3.1416]] * 20)
    y = torch.tensor([0, 1] * 20)

    def readout(z):
        return torch.stack([z[:, 0], -z[:, 0]], -1)

    r1 = aer_classification(c, {}, x, y, readout, "santiago", shots=64, seed=0)
    assert len(r1["pred"]) == len(r1["pred_exact"]) == 40
    assert r1["exact_accuracy"] == 1.0  # exact probabilities: qubit 0 reads right with p > 1/2
    r_big = aer_classification(c, {}, x, y, readout, "santiago", shots=64, seed=0,
                               noise_scale=40.0)
    assert r_big["accuracy"] < r1["accuracy"]


def test_scaled_backend_rejects_bad_scale():
    from qnas.backends.aer_eval import fake_backend

    with pytest.raises(ValueError, match="noise scale"):
        fake_backend("santiago", -1.0)
