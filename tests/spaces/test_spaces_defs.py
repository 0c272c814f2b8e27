"""Design spaces as data: built-ins, config/TOML parsing, validation."""

import pytest

from qnas.spaces import (
    DesignSpace,
    Layer,
    SuperCircuit,
    get_space,
    list_spaces,
    pattern_wires,
    register_space,
    space_from_config,
    spaces_from_toml,
)


def test_builtin_spaces_registered_with_expected_layers():
    assert set(list_spaces()) >= {"u3cu3", "zzry", "rxyz", "zxxx", "ibmq_basis", "ecr", "cz"}
    as_pairs = {n: [(ly.gate, ly.pattern, ly.once) for ly in get_space(n).layers]
                for n in list_spaces()}
    assert as_pairs["u3cu3"] == [("u3", "all", False), ("cu3", "ring", False)]
    assert as_pairs["zzry"] == [("rzz", "ring", False), ("ry", "all", False)]
    assert as_pairs["rxyz"][0] == ("h", "all", True)
    assert [g for g, _, _ in as_pairs["rxyz"][1:]] == ["rx", "ry", "rz", "cz"]
    assert [g for g, _, _ in as_pairs["ibmq_basis"]] == ["rz", "x", "rz", "sx", "rz", "cx"]
    assert [g for g, _, _ in as_pairs["ecr"]] == ["rz", "sx", "rz", "ecr"]
    assert [g for g, _, _ in as_pairs["cz"]] == ["rz", "sx", "rz", "cz"]
    assert [g for g, _, _ in as_pairs["zxxx"]] == ["rzx", "rxx"]


def test_unknown_space_lists_known_names():
    with pytest.raises(ValueError, match="unknown design space 'foo'.*u3cu3"):
        get_space("foo")


@pytest.mark.parametrize(
    "pattern,n,expected",
    [
        ("ring", 4, [(0, 1), (1, 2), (2, 3), (3, 0)]),
        ("ring", 2, [(0, 1)]),
        ("ring", 1, []),
        ("chain", 4, [(0, 1), (1, 2), (2, 3)]),
        ("pairs_even", 5, [(0, 1), (2, 3)]),
        ("pairs_odd", 5, [(1, 2), (3, 4)]),
        ("all", 3, [(0,), (1,), (2,)]),
    ],
)
def test_pattern_wires(pattern, n, expected):
    assert list(pattern_wires(pattern, n)) == expected


def test_layer_validation_errors():
    with pytest.raises(ValueError, match="unknown gate"):
        Layer("foo")
    with pytest.raises(ValueError, match="needs a 2-qubit gate"):
        Layer("rx", "ring")
    with pytest.raises(ValueError, match="needs a 1-qubit gate"):
        Layer("cx", "all")
    with pytest.raises(ValueError, match="unknown pattern"):
        Layer("cx", "star")
    with pytest.raises(ValueError, match="variable arity"):
        Layer("mcx", "ring")
    assert Layer("CNOT", "ring").gate == "cx"  # aliases canonicalised


def test_space_from_config_and_toml():
    s = space_from_config(
        {"name": "mine", "layers": ["h:all:once", {"gate": "ry"}, "cz:chain"], "max_blocks": 3}
    )
    assert s.layers[0].once and s.gene_layers == (1, 2) and s.max_blocks == 3
    assert space_from_config(s.to_config()) == s
    toml = """
    [spaces.a]
    layers = ["ry", "cx:ring"]
    max_blocks = 2
    [spaces.b]
    layers = [{gate = "rzz", pattern = "pairs_even"}]
    """
    out = spaces_from_toml(toml)
    assert out["a"].layers == (Layer("ry"), Layer("cx", "ring")) and out["a"].max_blocks == 2
    assert out["b"].layers[0].pattern == "pairs_even"
    sc = SuperCircuit(out["b"], n_qubits=4, max_blocks=2)
    assert sc.num_weights == 2 * 2  # 2 blocks x 2 pairs x 1 param


@pytest.mark.parametrize(
    "cfg,msg",
    [
        ({"name": "x", "layers": ["rx:ring"]}, "needs a 2-qubit gate"),
        ({"name": "x", "layers": ["nogate"]}, "unknown gate"),
        ({"name": "x", "layers": []}, "non-empty list"),
        ({"layers": ["rx"]}, "needs a 'name'"),
        ({"name": "x", "layers": ["rx"], "colour": 1}, "unknown space config keys"),
        ({"name": "x", "layers": ["h:all:once"]}, "only 'once' layers"),
        ({"name": "x", "layers": ["rx"], "max_blocks": 0}, "min_blocks <= max_blocks"),
        ({"name": "x", "layers": ["rx:all:extra:more"]}, "bad layer spec"),
    ],
)
def test_bad_configs_raise(cfg, msg):
    with pytest.raises(ValueError, match=msg):
        space_from_config(cfg)


def test_register_space_rejects_duplicates():
    with pytest.raises(ValueError, match="already registered"):
        register_space(DesignSpace("u3cu3", (Layer("rx"),)))
