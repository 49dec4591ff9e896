"""One unit, completely explained: its equations with this digit's numbers.

For a unit of an LSTM layer, at every row t (Keras' equations, sigma for i, f, o and tanh for g):

    z_t[gate] = x_t . W[:, gate, unit] + h_{t-1} . U[:, gate, unit] + b[gate, unit]
    c_t = f_t c_{t-1} + i_t g_t,      h_t = o_t tanh(c_t)

x_t is what the layer reads: the layer below's h, or for the first layer the image row as the
network scales it (``trace.x``, which is the picture itself when the model has no input scaling).

``unit_story`` splits each pre-activation into those three terms (input, recurrent, bias).
``retention`` unrolls the cell path: with R[s, t] = f_{s+1} ... f_t, c_t = sum_{s<=t} R[s, t] i_s g_s,
the share of c_t written at each earlier row (h also feeds back through the gates; R says nothing
about that path). ``logit_contributions`` splits each class's logit into the top layer's units'
shares h_top[u] W_dense[u, class] plus the dense bias.

The terms are recomputed in float64 from the float32 weights and the trace's float32 states, so
they add up to the trace's own numbers to float32 precision. Everything is whole-array numpy (no
loop over units): for the 3 x 256 model a unit's story costs about 0.2 ms and one row's memory and
top inputs of the four gates under 0.7 ms, measured on a busy 2-core VM (benchmarks/bench_unit.py).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.network import GATE_NAMES, ROWS, Network, Trace


class Contribution(NamedTuple):
    """One input's share of a gate's input or recurrent term: ``product = weight * value``."""

    index: int      # pixel column (first layer's input term) or unit (of the layer below / this layer)
    weight: float
    value: float
    product: float


@dataclass(frozen=True)
class UnitStory:
    """Everything one unit computed for one digit, row by row (rows 0-based, float64)."""

    layer: int
    unit: int
    gates: np.ndarray              # (28, 4) i, f, g, o: the trace's values
    c_prev: np.ndarray             # (28,) c_{t-1}, with c_{-1} = 0
    c: np.ndarray                  # (28,)
    h: np.ndarray                  # (28,)
    pre: np.ndarray                # (28, 4, 3) each gate's pre-activation: input, recurrent, bias
    retention: np.ndarray          # (28, 28) R[s, t] for this unit (see ``retention``)
    inputs: np.ndarray             # (28, n_in) x_t: scaled image rows (first layer) or the layer below's h
    h_prev: np.ndarray             # (28, units) h_{t-1} of this layer, with h_{-1} = 0
    input_weights: np.ndarray      # (n_in, 4) W[:, gate, unit]
    recurrent_weights: np.ndarray  # (units, 4) U[:, gate, unit]

    @property
    def z(self) -> np.ndarray:
        """(28, 4) each gate's pre-activation: the sum of its three terms."""
        return self.pre.sum(axis=-1)

    def memory(self, t: int) -> np.ndarray:
        """(28,) what was written at each row s and is still in c_t: R[s, t] i_s g_s (0 for s > t).

        It sums to c_t.
        """
        t = _index(t, ROWS, "row")
        return self.retention[:, t] * self.gates[:, 0] * self.gates[:, 2]

    def top_inputs(self, t: int, gate: int | str, k: int | None = 5) -> list[Contribution]:
        """The k largest shares of gate's input term at row t, by |weight * value|.

        Index = pixel column for the first layer, unit of the layer below otherwise. With
        ``k=None`` all of them: their products sum to ``pre[t, gate, 0]``.
        """
        t = _index(t, ROWS, "row")
        return _top(self.input_weights[:, _gate(gate)], self.inputs[t], k)

    def top_recurrent(self, t: int, gate: int | str, k: int | None = 5) -> list[Contribution]:
        """The k largest shares of gate's recurrent term at row t (index = unit of this layer)."""
        t = _index(t, ROWS, "row")
        return _top(self.recurrent_weights[:, _gate(gate)], self.h_prev[t], k)


def unit_story(network: Network, trace: Trace, layer: int, unit: int) -> UnitStory:
    """The story of ``unit`` of ``layer`` (0 = the layer reading the image) for ``trace``."""
    check_trace_of(network, trace)
    layer = _index(layer, len(network.layers), "layer")
    weights = network.layers[layer]
    units = weights.units
    unit = _index(unit, units, "unit")

    # What the layer really reads: for the first layer the scaled pixels (trace.x), not the picture.
    inputs = trace.layer_input(layer).astype(np.float64)
    h_prev = np.zeros((ROWS, units))
    h_prev[1:] = trace.h[layer][:-1]
    # The 4u columns are the gates i, f, g, o, each u wide: this unit's are unit, unit + u, ...
    input_weights = weights.kernel[:, unit::units].astype(np.float64)
    recurrent_weights = weights.recurrent_kernel[:, unit::units].astype(np.float64)
    bias = weights.bias[unit::units].astype(np.float64)

    pre = np.empty((ROWS, 4, 3))
    pre[:, :, 0] = inputs @ input_weights
    pre[:, :, 1] = h_prev @ recurrent_weights
    pre[:, :, 2] = bias

    gates = trace.gates[layer][:, :, unit].astype(np.float64)
    c = trace.c[layer][:, unit].astype(np.float64)
    c_prev = np.concatenate(([0.0], c[:-1]))
    return UnitStory(layer=layer, unit=unit, gates=gates, c_prev=c_prev, c=c,
                     h=trace.h[layer][:, unit].astype(np.float64), pre=pre,
                     retention=_unit_retention(gates[:, 1]), inputs=inputs, h_prev=h_prev,
                     input_weights=input_weights, recurrent_weights=recurrent_weights)


def retention(trace: Trace, layer: int) -> np.ndarray:
    """(units, 28, 28) float64: R[u, s, t] = f_{s+1}[u] ... f_t[u] (1 when s == t, 0 when s > t).

    How much of what unit u wrote into c at row s is still in c at row t, along the cell path:
    c_t = sum_{s<=t} R[u, s, t] i_s g_s exactly (c_{-1} = 0). Compute it once per trace and layer.
    """
    layer = _index(layer, trace.layers, "layer")
    forget = trace.gates[layer][:, 1, :].T.astype(np.float64)   # (units, 28)
    return _retention_from_forget(forget)


def logit_contributions(network: Network, trace: Trace, row: int = ROWS - 1) -> np.ndarray:
    """(units, 10) float64: top-layer unit u's share h_top[row, u] W_dense[u, class] of each logit.

    The column sums plus ``network.dense_bias`` are the logits whose softmax is ``trace.probs[row]``.
    """
    check_trace_of(network, trace)
    row = _index(row, ROWS, "row")
    h_top = trace.h[-1][row].astype(np.float64)
    return h_top[:, None] * network.dense_kernel.astype(np.float64)


@dataclass(frozen=True)
class ClassShares:
    """One class's logit at one row, split into the top layer's units' shares and the bias."""

    label: int
    row: int
    shares: np.ndarray   # (units,) h_top[row, u] W_dense[u, label]
    bias: float

    @property
    def logit(self) -> float:
        return float(self.shares.sum() + self.bias)

    def ranked(self, k: int | None = None) -> np.ndarray:
        """Unit indices by |share|, largest first (ties by unit): the units that move this logit most."""
        order = np.argsort(-np.abs(self.shares), kind="stable")
        return order if k is None else order[:k]


def class_contributions(network: Network, trace: Trace, label: int,
                        row: int = ROWS - 1) -> ClassShares:
    """Why ``label`` scores what it does at ``row``: each top-layer unit's share, the bias, the logit."""
    shares = logit_contributions(network, trace, row)
    label = _index(label, shares.shape[1], "class")
    return ClassShares(label=label, row=_index(row, ROWS, "row"), shares=shares[:, label].copy(),
                       bias=float(network.dense_bias[label]))


def _retention_from_forget(forget: np.ndarray) -> np.ndarray:
    """(units, 28) forget gates -> (units, 28, 28) R[u, s, t] = prod_{k=s+1..t} f_k, 0 for s > t.

    Column t is column t-1 times f_t, with a 1 on the diagonal: no division by a running product,
    so forget gates at or near 0 are exact. A loop over the 28 rows, each step whole-array: for a
    256-unit layer it measured about 10x faster than ``np.cumprod`` along the last axis, which
    numpy runs as one short inner loop per (unit, s).
    """
    steps = forget.shape[-1]
    product = np.zeros(forget.shape + (steps,))
    for t in range(steps):
        if t:
            np.multiply(product[:, :t, t - 1], forget[:, t, None], out=product[:, :t, t])
        product[:, t, t] = 1.0
    return product


def _unit_retention(forget: np.ndarray) -> np.ndarray:
    """(28,) forget gates of one unit -> (28, 28) R[s, t], the same numbers bit for bit.

    For one unit the 28 loop steps cost more than the arithmetic: one cumulative product along t
    of a matrix holding f_t where t > s and 1 elsewhere multiplies in the same order, in 3 calls.
    """
    s = _STEPS[:, None]
    t = _STEPS[None, :]
    product = np.cumprod(np.where(t > s, forget, 1.0), axis=-1)
    product *= t >= s
    return product


_STEPS = np.arange(ROWS)


def _top(weights: np.ndarray, values: np.ndarray, k: int | None) -> list[Contribution]:
    """The k products weight * value largest in magnitude, ties in index order."""
    products = weights * values
    order = np.argsort(-np.abs(products), kind="stable")
    if k is not None:
        if operator.index(k) < 0:
            raise ValueError(f"k must be 0 or more, got {k}")
        order = order[:k]
    return [Contribution(int(j), float(weights[j]), float(values[j]), float(products[j]))
            for j in order]


def _gate(gate: int | str) -> int:
    if isinstance(gate, str):
        if gate not in GATE_NAMES:
            raise ValueError(f"gate must be one of {', '.join(GATE_NAMES)}, got {gate!r}")
        return GATE_NAMES.index(gate)
    return _index(gate, len(GATE_NAMES), "gate")


def _index(value: int, size: int, what: str) -> int:
    """``value`` as an index into ``size`` items (negative counts from the end, as in numpy)."""
    try:
        index = operator.index(value)
    except TypeError:
        raise IndexError(f"{what} must be a whole number, got {value!r}") from None
    if not -size <= index < size:
        raise IndexError(f"{what} {index} is out of range: there are {size} (0 to {size - 1})")
    return index % size


def check_trace_of(network: Network, trace: Trace) -> None:
    """Raise ValueError unless ``trace`` can be this network's: a trace of another model (other
    widths, other layer count, other input scaling) would give meaningless terms."""
    expected = [(ROWS, u) for u in network.units]
    found = [h.shape for h in trace.h]
    if found != expected:
        shapes = ", ".join(f"{shape}" for shape in found)
        raise ValueError(f"this trace (h of shapes {shapes}) was not made by this network "
                         f"({network.describe()})")
    if (network.input_scaling is None) != (trace.x is trace.image):
        raise ValueError(f"this trace's first layer did not read what this network's reads "
                         f"({network.describe_scaling()})")
