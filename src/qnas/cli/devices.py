"""``qnas devices``: list the offline device snapshots; ``qnas devices show NAME``.

Example::

    qnas devices
    qnas devices show santiago --json
"""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("devices", help="list devices or show one")
    p.add_argument("action", nargs="?", default="list", choices=("list", "show"))
    p.add_argument("name", nargs="?", help="device name for 'show'")
    p.add_argument("--json", action="store_true")
    p.add_argument("--brief", action="store_true",
                   help="with 'list': names and qubit counts only (no device loading)")


def run(args) -> int:
    from qnas.devices import Target, list_devices

    if args.action == "show":
        if not args.name:
            raise ValueError("'qnas devices show' needs a device NAME")
        t = Target.from_backend(args.name)
        if args.json:
            print(json.dumps(t.to_dict()))
            return 0
        med = t.median_errors()
        print(f"{t.name}: {t.n_qubits} qubits, basis {', '.join(t.basis_gates)}")
        print(f"coupling map: {sorted(set(tuple(sorted(e)) for e in t.coupling_map))}")
        for k, v in med.items():
            if k == "n_qubits":
                continue
            print(f"  median {k}: {v:.4g}")
        return 0
    devs = list_devices()
    rows = []
    for name, nq in sorted(devs.items(), key=lambda kv: (kv[1], kv[0])):
        row = {"name": name, "n_qubits": nq}
        if not args.brief:
            t = Target.from_backend(name)
            row["basis"] = list(t.basis_gates)
            row.update({f"median_{k}": v for k, v in t.median_errors().items()})
        rows.append(row)
    if args.json:
        print(json.dumps(rows))
        return 0
    for r in rows:
        extra = ""
        if not args.brief:
            extra = f"  {','.join(r['basis']):<22}" + "  ".join(
                f"{k[7:]}={v:.3g}" if v is not None else f"{k[7:]}=-" for k, v in r.items()
                if k.startswith("median_") and k != "median_n_qubits")
        print(f"{r['name']:<16}{r['n_qubits']:>4} qubits{extra}")
    return 0
