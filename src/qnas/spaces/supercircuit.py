"""SuperCircuit: the largest circuit of a design space, with one shared weight vector.

Every parametrised gate slot of the ``max_blocks``-block circuit owns entries of
``weights`` (a ``torch.nn.Parameter``), named ``b{block}.l{layer}.g{gate}.p{k}``.
A :class:`~qnas.spaces.spec.SubCircuitSpec` selects a sub-circuit whose parameters are
the names of the selected shared weights; ``params = weights[index]``.

>>> sc = SuperCircuit("u3cu3", n_qubits=2, max_blocks=2, seed=0)
>>> sc.num_weights  # 2 blocks x (2 U3 + 1 CU3) x 3 params
18
>>> circ, index = sc.subcircuit(SubCircuitSpec(1, ((1, 1),)))
>>> circ.parameters
('b0.l0.g0.p0', 'b0.l0.g0.p1', 'b0.l0.g0.p2', 'b0.l1.g0.p0', 'b0.l1.g0.p1', 'b0.l1.g0.p2')
>>> index.tolist()
[0, 1, 2, 6, 7, 8]
"""

from __future__ import annotations

import functools
import math

import torch

from qnas.ir import Circuit, Op, param
from qnas.spaces.builtin import get_space
from qnas.spaces.space import DesignSpace
from qnas.spaces.spec import SubCircuitSpec, kept_indices


def weight_name(block: int, layer: int, gate: int, k: int) -> str:
    """Stable name of one shared weight."""
    return f"b{block}.l{layer}.g{gate}.p{k}"


class SuperCircuit(torch.nn.Module):
    """The ``max_blocks``-block circuit of ``space`` on ``n_qubits`` wires.

    ``weights`` is initialised uniformly in ``[-pi, pi)`` from ``seed`` (or torch's
    global RNG when ``seed`` is None).
    """

    def __init__(
        self,
        space: str | DesignSpace,
        n_qubits: int,
        max_blocks: int | None = None,
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        self.space = get_space(space)
        if int(n_qubits) < 1:
            raise ValueError(f"n_qubits must be >= 1, got {n_qubits}")
        self.n_qubits = int(n_qubits)
        self.max_blocks = int(max_blocks if max_blocks is not None else self.space.max_blocks)
        if self.max_blocks < self.space.min_blocks:
            raise ValueError(
                f"max_blocks={self.max_blocks} is below the space's min_blocks "
                f"{self.space.min_blocks}"
            )
        # slots[(block, layer)] = list of (wires, (weight indices...))
        self._slots: dict[tuple[int, int], list[tuple[tuple[int, ...], tuple[int, ...]]]] = {}
        names: list[str] = []
        for b in range(self.max_blocks):
            for li in self.space.layers_in_block(b):
                layer = self.space.layers[li]
                row = []
                for g, wires in enumerate(self.space.layer_wires(li, self.n_qubits)):
                    idx = []
                    for k in range(layer.num_params):
                        idx.append(len(names))
                        names.append(weight_name(b, li, g, k))
                    row.append((wires, tuple(idx)))
                self._slots[(b, li)] = row
        self.weight_names: tuple[str, ...] = tuple(names)
        gen = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        w = (torch.rand(len(names), generator=gen, dtype=torch.float64) * 2 - 1) * math.pi
        self.weights = torch.nn.Parameter(w.to(dtype))
        self._cache: dict[SubCircuitSpec, tuple[Circuit, torch.Tensor]] = {}

    # -- structure ------------------------------------------------------------
    @property
    def num_weights(self) -> int:
        return len(self.weight_names)

    def gates_in_layer(self, layer: int) -> int:
        """Number of gates of layer ``layer`` (the same in every block)."""
        return len(self.space.layer_wires(layer, self.n_qubits))

    def full_spec(self) -> SubCircuitSpec:
        """The spec selecting the whole SuperCircuit."""
        row = tuple(self.gates_in_layer(li) for li in self.space.gene_layers)
        return SubCircuitSpec(self.max_blocks, (row,) * self.max_blocks)

    def genes(self):
        """The :class:`~qnas.spaces.genes.SpecGenes` encoding of this SuperCircuit's specs."""
        from qnas.spaces.genes import SpecGenes

        return SpecGenes.from_supercircuit(self)

    # -- sub-circuits ---------------------------------------------------------
    def validate_spec(self, spec: SubCircuitSpec) -> None:
        if not isinstance(spec, SubCircuitSpec):
            raise ValueError(f"expected a SubCircuitSpec, got {type(spec).__name__}")
        if spec.n_blocks > self.max_blocks:
            raise ValueError(f"spec uses {spec.n_blocks} blocks; max_blocks is {self.max_blocks}")
        n_gl = len(self.space.gene_layers)
        for b, blk in enumerate(spec.layers):
            if len(blk) != n_gl:
                raise ValueError(
                    f"spec block {b} lists {len(blk)} layers; space {self.space.name!r} "
                    f"repeats {n_gl}"
                )
            for j, choice in enumerate(blk):
                n = self.gates_in_layer(self.space.gene_layers[j])
                bad = [i for i in kept_indices(choice) if i >= n]
                if bad:
                    raise ValueError(
                        f"spec block {b} layer {j}: keeps gate(s) {bad} but the layer has {n}"
                    )

    def subcircuit(self, spec: SubCircuitSpec) -> tuple[Circuit, torch.Tensor]:
        """``(circuit, index)``: the selected circuit and the long tensor with
        ``weights[index]`` in ``circuit.parameters`` order."""
        hit = self._cache.get(spec)
        if hit is not None:
            return hit
        ops: list[Op] = []
        index: list[int] = []
        for gate, wires, idx in self._kept_slots(spec):
            ops.append(Op(gate, wires, tuple(param(self.weight_names[i]) for i in idx)))
            index.extend(idx)
        circ = Circuit(self.n_qubits, tuple(ops), tuple(self.weight_names[i] for i in index))
        out = (circ, torch.tensor(index, dtype=torch.long))
        self._cache[spec] = out
        return out

    @functools.cached_property
    def maskable(self) -> bool:
        """Whether every gate of the space is the identity when its parameters are 0, so that
        a SubCircuit equals the whole SuperCircuit with the weights it drops set to 0
        (:meth:`weight_mask`): U3/CU3, RZZ/RY, RZX/RXX; not spaces with fixed gates (H, CZ,
        SX...)."""
        from qnas.gates import get_gate

        for layer in self.space.layers:
            g = get_gate(layer.gate)
            k = g.num_wires or 1
            if not g.params_for(k) or g.kraus:
                return False
            m = g.matrix(torch.zeros(g.params_for(k), dtype=torch.float64), torch.complex128)
            if not torch.allclose(m, torch.eye(2**k, dtype=torch.complex128), atol=1e-12):
                return False
        return True

    def weight_mask(self, spec: SubCircuitSpec) -> torch.Tensor:
        """``[num_weights]`` bool: the weights that ``spec``'s circuit uses.

        >>> sc = SuperCircuit("u3cu3", n_qubits=2, max_blocks=2, seed=0)
        >>> sc.weight_mask(SubCircuitSpec(1, ((1, 1),))).nonzero().flatten().tolist()
        [0, 1, 2, 6, 7, 8]
        """
        mask = torch.zeros(self.num_weights, dtype=torch.bool)
        mask[[i for _, _, idx in self._kept_slots(spec) for i in idx]] = True
        return mask

    def _kept_slots(self, spec: SubCircuitSpec):
        """``(gate, wires, weight indices)`` of every gate ``spec`` keeps, in circuit order."""
        self.validate_spec(spec)
        gene_pos = {li: j for j, li in enumerate(self.space.gene_layers)}
        for b in range(spec.n_blocks):
            for li in self.space.layers_in_block(b):
                layer = self.space.layers[li]
                row = self._slots[(b, li)]
                keep = range(len(row)) if layer.once else kept_indices(spec.layers[b][gene_pos[li]])
                for g in keep:
                    yield (layer.gate, *row[g])

    def sub_params(self, spec: SubCircuitSpec) -> torch.Tensor:
        """The (differentiable) shared weights of ``spec``'s circuit, in parameter order."""
        return self.weights[self.subcircuit(spec)[1]]

    def extra_repr(self) -> str:
        return (
            f"space={self.space.name!r}, n_qubits={self.n_qubits}, "
            f"max_blocks={self.max_blocks}, num_weights={self.num_weights}"
        )
