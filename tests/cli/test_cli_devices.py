"""``qnas devices``: listing and showing offline device snapshots."""

import json

from qnas.cli.main import main


def test_devices_list_and_show(capsys):
    assert main(["devices", "--brief", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"]: r["n_qubits"] for r in rows}
    assert names["santiago"] == 5 and names["toronto"] == 27 and len(names) >= 60
    assert main(["devices", "show", "santiago"]) == 0
    out = capsys.readouterr().out
    assert "5 qubits" in out and "cx" in out and "median readout_error" in out
    assert main(["devices", "show", "santago"]) == 2
    assert "did you mean santiago" in capsys.readouterr().err


def test_devices_sorted_by_noise_figure(capsys):
    from qnas.devices import Target

    assert main(["devices", "--sort", "noise", "--reverse", "--min-qubits", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    noise = [r["noise"] for r in rows if r["noise"] is not None]
    assert noise == sorted(noise, reverse=True) and all(0 < v < 1 for v in noise)
    assert all(r["n_qubits"] >= 5 for r in rows)
    quito, boston = Target.from_backend("quito"), Target.from_backend("boston")
    assert quito.noise_figure() > 5 * boston.noise_figure()  # 2021 5-qubit vs 2025 Heron
    assert main(["devices", "--brief", "--sort", "noise"]) == 2
    assert "drop --brief" in capsys.readouterr().err
