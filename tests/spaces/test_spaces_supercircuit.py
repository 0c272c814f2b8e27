"""SuperCircuit weight sharing and SubCircuit selection."""

import numpy as np
import pytest
import torch

import qnas
from qnas.ir import Circuit, Op, param
from qnas.spaces import (
    SpecGenes,
    SubCircuitSpec,
    SuperCircuit,
    UniformSampler,
    get_space,
    pattern_wires,
)


def direct_circuit(space_name, n, spec, weights_by_name):
    """Build the sub-circuit by hand (independent of SuperCircuit) with bound values."""
    space = get_space(space_name)
    ops, values = [], []
    for b in range(spec.n_blocks):
        j = 0
        for li, layer in enumerate(space.layers):
            if layer.once and b > 0:
                continue
            wires = pattern_wires(layer.pattern, n)
            if layer.once:
                keep = range(len(wires))
            else:
                c = spec.layers[b][j]
                keep = range(c) if isinstance(c, int) else c
                j += 1
            for g in keep:
                names = [f"b{b}.l{li}.g{g}.p{k}" for k in range(layer.num_params)]
                ops.append(Op(layer.gate, wires[g], tuple(param(x) for x in names)))
                values += [weights_by_name[x] for x in names]
    return Circuit(n, ops), torch.tensor(values)


@pytest.mark.parametrize("space", sorted(["u3cu3", "zzry", "rxyz", "zxxx", "ibmq_basis", "ecr",
                                          "cz"]))
def test_subcircuit_equals_direct_build(space):
    n = 3
    sc = SuperCircuit(space, n_qubits=n, max_blocks=3, seed=1)
    by_name = dict(zip(sc.weight_names, sc.weights.detach().tolist(), strict=True))
    sampler = UniformSampler(sc.genes(), seed=3)
    for _ in range(5):
        spec = sampler.sample()
        circ, index = sc.subcircuit(spec)
        ref, ref_vals = direct_circuit(space, n, spec, by_name)
        assert circ.ops == ref.ops
        assert circ.parameters == ref.parameters
        params = sc.weights[index]
        assert torch.allclose(params.detach(), ref_vals.to(params.dtype))
        assert spec.num_params(sc) == len(ref.parameters)
        assert spec.num_two_qubit_gates(sc) == ref.num_two_qubit_gates
        if hasattr(qnas, "simulate"):
            a = qnas.simulate(circ, params.detach(), dtype=torch.complex128)
            b = qnas.simulate(ref, ref_vals.double(), dtype=torch.complex128)
            assert torch.allclose(a, b, atol=1e-6)


def test_rxyz_h_layer_only_once_at_start():
    sc = SuperCircuit("rxyz", n_qubits=3, max_blocks=3)
    circ, _ = sc.subcircuit(sc.full_spec())
    gates = [op.gate for op in circ.ops]
    assert gates[:3] == ["h"] * 3 and gates.count("h") == 3
    assert gates.count("cz") == 9 and gates.count("rx") == 9


def test_weight_names_and_sharing_gradients():
    sc = SuperCircuit("u3cu3", n_qubits=2, max_blocks=2, seed=0)
    assert sc.num_weights == 2 * (2 * 3 + 1 * 3)
    assert sc.weight_names[0] == "b0.l0.g0.p0" and sc.weight_names[-1] == "b1.l1.g0.p2"
    assert isinstance(sc.weights, torch.nn.Parameter)
    spec = SubCircuitSpec(1, ((1, (0,)),))
    circ, idx = sc.subcircuit(spec)
    assert [sc.weight_names[i] for i in idx.tolist()] == list(circ.parameters)
    sc.sub_params(spec).sum().backward()
    grad = sc.weights.grad
    assert grad[idx].eq(1).all() and grad.sum().item() == len(idx)
    # front sharing: a smaller spec's weights are a prefix-selected subset of a bigger one's
    small, _ = sc.subcircuit(SubCircuitSpec(1, ((1, 1),)))
    big, _ = sc.subcircuit(SubCircuitSpec(2, ((2, 1), (2, 1))))
    assert set(small.parameters) < set(big.parameters)


def test_explicit_subset_spec():
    sc = SuperCircuit("zzry", n_qubits=4, max_blocks=2)
    spec = SubCircuitSpec(1, (((3, 1), 4),))
    assert spec.layers == (((1, 3), 4),)  # sorted
    circ, _ = sc.subcircuit(spec)
    assert [op.wires for op in circ.ops[:2]] == [(1, 2), (3, 0)]
    assert SubCircuitSpec(1, (((0, 1), 2),)) == SubCircuitSpec(1, ((2, 2),))  # normalised


def test_spec_roundtrip_hash_and_strings():
    spec = SubCircuitSpec(2, ((3, (0, 2)), (1, 2)))
    assert SubCircuitSpec.from_dict(spec.to_dict()) == spec
    assert SubCircuitSpec.from_string(str(spec)) == spec
    assert str(spec) == "blocks=2; 3,[0 2]; 1,2"
    assert len({spec, SubCircuitSpec(2, ((3, [2, 0]), (1, 2)))}) == 1
    with pytest.raises(AttributeError):
        spec.n_blocks = 3  # frozen


@pytest.mark.parametrize(
    "make,msg",
    [
        (lambda: SubCircuitSpec(0, ()), "n_blocks must be >= 1"),
        (lambda: SubCircuitSpec(2, ((1, 1),)), "but 1 block entries"),
        (lambda: SubCircuitSpec(1, ((1, -1),)), ">= 0"),
        (lambda: SubCircuitSpec(1, (((1, 1), 2),)), "repeated gate index"),
        (lambda: SubCircuitSpec.from_string("nonsense"), "bad spec string"),
    ],
)
def test_bad_specs(make, msg):
    with pytest.raises(ValueError, match=msg):
        make()


def test_spec_not_fitting_supercircuit():
    sc = SuperCircuit("u3cu3", n_qubits=3, max_blocks=2)
    with pytest.raises(ValueError, match="max_blocks is 2"):
        sc.subcircuit(SubCircuitSpec(3, ((1, 1),) * 3))
    with pytest.raises(ValueError, match="layer has 3"):
        sc.subcircuit(SubCircuitSpec(1, ((4, 1),)))
    with pytest.raises(ValueError, match="repeats 2"):
        sc.subcircuit(SubCircuitSpec(1, ((1, 1, 1),)))


def test_genes_encode_decode():
    genes = SpecGenes.from_space("ibmq_basis", n_qubits=3, max_blocks=3)
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = genes.sample(rng)
        spec = genes.decode(g)
        assert genes.decode(genes.encode(spec, fill=g)) == spec
        assert genes.encode(spec, fill=g) == g
    with pytest.raises(ValueError, match="outside"):
        genes.decode((9,) + (1,) * (len(genes) - 1))
    with pytest.raises(ValueError, match="explicit gate subsets"):
        genes.encode(SubCircuitSpec(1, (((1, 2), 1, 1, 1, 1, 1),)))


@pytest.mark.parametrize("space", ["u3cu3", "zzry", "zxxx"])
def test_masked_supercircuit_equals_each_subcircuit(space):
    """The SuperCircuit stage trains a SubCircuit as the whole circuit with its dropped
    weights at 0: the states must be those of the SubCircuit itself."""
    from qnas.sim import simulate

    sc = SuperCircuit(space, n_qubits=3, max_blocks=3, seed=1, dtype=torch.float64)
    assert sc.maskable
    whole, whole_index = sc.subcircuit(sc.full_spec())
    sampler = UniformSampler(SpecGenes.from_space(sc.space, 3, 3), 0)
    specs = [sampler.sample(i) for i in range(12)]
    assert len(set(specs)) > 6
    init = simulate(Circuit(3, [Op("ry", (q,), (0.3 + q,)) for q in range(3)]),
                    dtype=torch.complex128)
    for spec in specs:
        circuit, index = sc.subcircuit(spec)
        mask = sc.weight_mask(spec)
        assert sorted(index.tolist()) == mask.nonzero().flatten().tolist()
        w = sc.weights.detach()
        ours = simulate(whole, (w * mask)[whole_index], dtype=torch.complex128,
                        initial_state=init)
        ref = simulate(circuit, w[index], dtype=torch.complex128, initial_state=init)
        np.testing.assert_allclose(ours.numpy(), ref.numpy(), atol=1e-12)


@pytest.mark.parametrize("space", ["rxyz", "ibmq_basis", "cz"])
def test_spaces_with_fixed_gates_are_not_maskable(space):
    assert not SuperCircuit(space, n_qubits=3, max_blocks=2, seed=0).maskable
