"""Human-designed baselines: the full ``n_blocks``-block circuit of a design space.

QuantumNAS compares searched circuits with the "human design" of each space: every gate of
every layer, repeated for ``n_blocks`` blocks (the SuperCircuit's full spec).

>>> c = human_baseline("u3cu3", n_qubits=4, n_blocks=8)
>>> c.count_ops(), len(c.parameters)
({'u3': 32, 'cu3': 32}, 192)
"""

from __future__ import annotations

from qnas.ir import Circuit


def human_baseline(space, n_qubits: int, n_blocks: int) -> Circuit:
    """The fixed circuit of ``n_blocks`` full blocks of ``space`` on ``n_qubits`` wires.

    Parameters are named as in the SuperCircuit (``b{block}.l{layer}.g{gate}.p{k}``).
    """
    from qnas.spaces import SuperCircuit

    if int(n_blocks) < 1:
        raise ValueError(f"n_blocks must be >= 1, got {n_blocks}")
    sc = SuperCircuit(space, n_qubits, max_blocks=int(n_blocks), seed=0)
    return sc.subcircuit(sc.full_spec())[0]
