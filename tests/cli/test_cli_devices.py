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
