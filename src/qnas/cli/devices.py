"""``qnas devices``: list the offline device snapshots; ``qnas devices show NAME``.

Example::

    qnas devices
    qnas devices --sort noise --min-qubits 5        # least noisy first
    qnas devices --sort noise --reverse             # noisiest first
    qnas devices show santiago --json

``noise`` is :meth:`qnas.devices.Target.noise_figure`: the probability of at least one error
in about one 4-qubit U3+CU3 block (10 two-qubit gates, 20 one-qubit gates, 4 readouts) at the
device's median error rates.
"""

from __future__ import annotations

import json

SORT_KEYS = ("name", "n_qubits", "noise", "error_1q", "error_2q", "readout_error", "t1", "t2")


def add_parser(sub) -> None:
    p = sub.add_parser("devices", help="list devices or show one")
    p.add_argument("action", nargs="?", default="list", choices=("list", "show"))
    p.add_argument("name", nargs="?", help="device name for 'show'")
    p.add_argument("--json", action="store_true")
    p.add_argument("--brief", action="store_true",
                   help="with 'list': names and qubit counts only (no device loading)")
    p.add_argument("--sort", default="n_qubits", choices=SORT_KEYS,
                   help="with 'list': sort by this column (default n_qubits); noise = chance of "
                        "an error in one 4-qubit U3+CU3 block at median rates")
    p.add_argument("--reverse", action="store_true", help="with 'list': largest first")
    p.add_argument("--min-qubits", type=int, default=0, help="with 'list': at least N qubits")


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
        nf = t.noise_figure()
        if nf is not None:
            print(f"  noise figure: {nf:.4g} (chance of an error in one 4-qubit U3+CU3 block)")
        print(f"coupling map: {sorted(set(tuple(sorted(e)) for e in t.coupling_map))}")
        for k, v in med.items():
            if k == "n_qubits":
                continue
            print(f"  median {k}: {v:.4g}")
        return 0
    if args.brief and args.sort not in ("name", "n_qubits"):
        raise ValueError(f"--sort {args.sort} needs the device data (drop --brief)")
    devs = list_devices()
    rows = []
    for name, nq in sorted(devs.items(), key=lambda kv: (kv[1], kv[0])):
        if nq < args.min_qubits:
            continue
        row = {"name": name, "n_qubits": nq}
        if not args.brief:
            t = Target.from_backend(name)
            row["basis"] = list(t.basis_gates)
            row["noise"] = t.noise_figure()
            row.update({f"median_{k}": v for k, v in t.median_errors().items()})
        rows.append(row)
    key = args.sort if args.sort in ("name", "n_qubits", "noise") else f"median_{args.sort}"
    known = [r for r in rows if r.get(key) is not None]
    rows = sorted(known, key=lambda r: r[key], reverse=args.reverse) + \
        [r for r in rows if r.get(key) is None]
    if args.json:
        print(json.dumps(rows))
        return 0
    for r in rows:
        extra = ""
        if not args.brief:
            noise = "-" if r["noise"] is None else f"{r['noise']:.3f}"
            extra = f"  noise={noise:<6} {','.join(r['basis']):<22}" + "  ".join(
                f"{k[7:]}={v:.3g}" if v is not None else f"{k[7:]}=-" for k, v in r.items()
                if k.startswith("median_") and k != "median_n_qubits")
        print(f"{r['name']:<16}{r['n_qubits']:>4} qubits{extra}")
    return 0
