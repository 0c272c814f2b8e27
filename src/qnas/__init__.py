"""qnas: noise-adaptive search for robust parameterized quantum circuits.

>>> import qnas
>>> from qnas.ir import Circuit, Op
>>> qnas.simulate(Circuit(1, [Op("x", (0,))])).abs().tolist()
[[0.0, 1.0]]
"""

from qnas import gates as gates  # registers the standard gates
from qnas import noise as noise  # registers the noise channels
from qnas.compile import CompiledCircuit, compile
from qnas.devices import Target
from qnas.ir import Circuit, Op, Sym, inp, param
from qnas.sim import PauliSum, expval, expz, probabilities, sample_counts, simulate
from qnas.sim.allocator import tune_malloc

tune_malloc()  # keep freed state buffers for reuse (qnas.sim.allocator; QNAS_TUNE_MALLOC=0: off)

__version__ = "0.1.0"

__all__ = ["Circuit", "Op", "Sym", "param", "inp", "simulate", "expval", "PauliSum",
           "probabilities", "expz", "sample_counts", "compile", "CompiledCircuit", "Target",
           "__version__"]
