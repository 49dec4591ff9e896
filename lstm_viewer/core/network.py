"""The numpy LSTM: the model's own arithmetic, row by row, with every intermediate kept.

A ``Network`` holds the weights of a stack of LSTM layers (each at its own width) and a dense head
whose logits the softmax turns into probabilities, and optionally the input scaling the first layer
reads (``(x - mean) / std``, as torchvision's ``Normalize``). ``Network.trace(image)`` runs one
28x28 digit through it and keeps, for every layer and row, the gates i, f, g, o, the cell state c
and the hidden state h, plus the softmax at every row.

Keras facts this relies on: ``kernel`` is (inputs, 4u), ``recurrent_kernel`` (u, 4u),
``bias`` (4u), the 4u columns being the gates i, f, g(=c), o; ``c_t = f c_{t-1} + i g`` and
``h_t = o tanh(c_t)`` with sigmoid for i, f, o and tanh for g.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .i18n import tr

ROWS = COLUMNS = 28
CLASSES = 10
GATE_NAMES = ("i", "f", "g", "o")


@dataclass(frozen=True)
class LstmWeights:
    """One Keras LSTM layer's weights."""

    kernel: np.ndarray            # (inputs, 4u)
    recurrent_kernel: np.ndarray  # (u, 4u)
    bias: np.ndarray              # (4u,)

    @property
    def units(self) -> int:
        return self.recurrent_kernel.shape[0]

    def scaled(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights with the i, f and o columns halved (exact: a power of two); cached."""
        cached = self.__dict__.get("_scaled")
        if cached is None:
            scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], np.float32), self.units)
            cached = tuple(np.ascontiguousarray(a * scale, dtype=np.float32)
                           for a in (self.kernel, self.recurrent_kernel, self.bias))
            object.__setattr__(self, "_scaled", cached)
        return cached


@dataclass
class Trace:
    """Everything the network computed for one digit. Rows are 0-based here (row t = after t+1 rows).

    ``gates``, ``c`` and ``h`` hold one array per layer, each at that layer's own width: index them
    ``trace.h[k][row, unit]`` (a model's layers may differ in width, so they are never one array).
    """

    image: np.ndarray   # (28, 28) float32 in [0, 1]: the picture
    gates: tuple[np.ndarray, ...]   # per layer (28, 4, units), order i, f, g, o
    c: tuple[np.ndarray, ...]       # per layer (28, units)
    h: tuple[np.ndarray, ...]       # per layer (28, units)
    probs: np.ndarray   # (28, 10): the dense head on the top layer's h at each row
    x: np.ndarray | None = None     # (28, 28): what the first layer reads (the image, scaled); None: image

    def __post_init__(self) -> None:
        self.gates, self.c, self.h = (tuple(a) for a in (self.gates, self.c, self.h))
        if self.x is None:
            self.x = self.image

    @property
    def layers(self) -> int:
        return len(self.h)

    def layer_input(self, layer: int) -> np.ndarray:
        """What layer ``layer`` reads at every row: the scaled pixels, or the h of the layer below."""
        return self.x if layer == 0 else self.h[layer - 1]

    @property
    def prediction(self) -> int:
        """The model's answer: the top class after the last row."""
        return int(np.argmax(self.probs[-1]))

    @property
    def outputs(self) -> np.ndarray:
        """The top layer's output sequence, Keras' ``outputs`` (28, units)."""
        return self.h[-1]

    def final_state(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``state[k] = (c_k, h_k)`` after the last row, for each layer k."""
        return [(c[-1], h[-1]) for c, h in zip(self.c, self.h, strict=True)]

    def settled_row(self) -> int:
        """The first row (0-based) from which the final answer stays on top to the end."""
        winners = np.argmax(self.probs, axis=1)
        row = ROWS - 1
        while row > 0 and winners[row - 1] == winners[-1]:
            row -= 1
        return row

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays ``inspect --out`` and the app's export write: ``h`` (layers, 28, units) when
        every layer has one width, else ``h_1``, ``h_2``, … one per layer (likewise c and gates)."""
        out = {"image": self.image}
        if self.x is not self.image:
            out["x"] = self.x
        for name in ("h", "c", "gates"):
            per_layer = getattr(self, name)
            if len({a.shape for a in per_layer}) == 1:
                out[name] = np.stack(per_layer)
            else:
                out.update((f"{name}_{k + 1}", a) for k, a in enumerate(per_layer))
        out["probs"] = self.probs
        return out


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass
class Network:
    """A stack of LSTM layers with a dense head (softmax of its logits), as numpy weights."""

    layers: list[LstmWeights]
    dense_kernel: np.ndarray   # (units of the top layer, 10)
    dense_bias: np.ndarray     # (10,)
    name: str = "model"
    metadata: dict = field(default_factory=dict)
    input_scaling: tuple[float, float] | None = None   # (mean, std): layer 1 reads (x - mean) / std

    def __post_init__(self) -> None:
        if self.input_scaling is not None:
            mean, std = (float(v) for v in self.input_scaling)
            if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
                raise ValueError(f"input scaling (x − {mean}) / {std} needs a finite mean and a "
                                 f"positive standard deviation")
            self.input_scaling = (mean, std)
        self.layers = [LstmWeights(*(np.ascontiguousarray(a, dtype=np.float32) for a in
                                     (w.kernel, w.recurrent_kernel, w.bias))) for w in self.layers]
        self.dense_kernel = np.ascontiguousarray(self.dense_kernel, dtype=np.float32)
        self.dense_bias = np.ascontiguousarray(self.dense_bias, dtype=np.float32)
        self._check_shapes()

    def _check_shapes(self) -> None:
        inputs = COLUMNS
        for k, w in enumerate(self.layers):
            u = w.units
            if w.kernel.shape != (inputs, 4 * u) or w.recurrent_kernel.shape != (u, 4 * u) \
                    or w.bias.shape != (4 * u,):
                raise ValueError(f"layer_{k}: weight shapes {w.kernel.shape}, "
                                 f"{w.recurrent_kernel.shape}, {w.bias.shape} do not form an LSTM "
                                 f"of {u} units on {inputs} inputs")
            inputs = u
        if not self.layers:
            raise ValueError("no LSTM layer")
        if self.dense_kernel.shape != (inputs, CLASSES) or self.dense_bias.shape != (CLASSES,):
            raise ValueError(f"dense head {self.dense_kernel.shape} does not map {inputs} units "
                             f"to {CLASSES} classes")

    @property
    def units(self) -> list[int]:
        return [w.units for w in self.layers]

    def describe(self) -> str:
        """e.g. '3 × 256 LSTM', or 'LSTM 128 → 64' when the layers differ in width."""
        if len(set(self.units)) == 1:
            return f"{len(self.units)} × {self.units[0]} LSTM"
        return "LSTM " + " → ".join(str(u) for u in self.units)

    def describe_scaling(self) -> str:
        """What the first layer reads, in words: '[0, 1]' or '(x − 0.1307) / 0.3081'."""
        if self.input_scaling is None:
            return tr("pixels in [0, 1]")
        mean, std = self.input_scaling
        return f"(x − {mean:g}) / {std:g}"

    def scale_input(self, images: np.ndarray) -> np.ndarray:
        """Pixels in [0, 1] (any shape) as the first layer reads them, float32: ``(x - mean) / std``
        computed as torchvision's ``Normalize`` does (subtract, then divide)."""
        images = np.asarray(images, dtype=np.float32)
        if self.input_scaling is None:
            return images
        mean, std = self.input_scaling
        return (images - np.float32(mean)) / np.float32(std)

    def with_input_scaling(self, scaling: tuple[float, float] | None) -> Network:
        """The same weights reading ``(x - mean) / std`` (None: [0, 1]); a new Network."""
        return Network(self.layers, self.dense_kernel, self.dense_bias, name=self.name,
                       metadata=dict(self.metadata), input_scaling=scaling)

    def trace(self, image: np.ndarray) -> Trace:
        """Run one (28, 28) digit in [0, 1] through the network, keeping every intermediate."""
        x0 = _as_batch(image)
        blank = _blank_rows_on_top(x0[0])
        return self._trace(x0, self._blank_start() if blank else None, blank)

    def _trace(self, x0: np.ndarray, start: Trace | None, rows: int) -> Trace:
        """The trace of ``x0`` (1, 28, 28), its first ``rows`` rows taken from ``start``."""
        scaled = self.scale_input(x0)
        x = scaled
        gates, cs, hs = [], [], []
        for k, weights in enumerate(self.layers):
            known = None if start is None else (start.gates[k][:rows], start.c[k][:rows],
                                                start.h[k][:rows])
            g, c, h = _run_layer(weights, x, record=True, known=known)
            gates.append(g[0])
            cs.append(c[0])
            hs.append(h[0])
            x = h
        h_top = hs[-1]
        probs = _softmax(h_top @ self.dense_kernel + self.dense_bias)
        image = x0[0].copy()
        return Trace(image=image, gates=gates, c=cs, h=hs, probs=probs.astype(np.float32),
                     x=image if scaled is x0 else scaled[0])

    def step_through_rows(self, image: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The final ``state[k] = (c_k, h_k)`` computed as TF1's ``MultiRNNCell.call`` does: the
        whole stack steps one row at a time (row t through layer 1, 2, …, then row t+1).

        ``trace`` runs each layer over all 28 rows before the next (``dynamic_rnn``'s outputs).
        The two orders share no intermediate array, so comparing the top ``h`` here with
        ``trace.outputs[-1]`` checks the seed's identity for real: it fails if the layers are
        wired differently in one of them.
        """
        x_rows = self.scale_input(_as_batch(image))[0]
        states = [(np.zeros((1, w.units), np.float32), np.zeros((1, w.units), np.float32))
                  for w in self.layers]
        for t in range(ROWS):
            x = x_rows[t:t + 1]                                   # (1, inputs)
            for k, weights in enumerate(self.layers):
                kernel, recurrent, bias = weights.scaled()
                c_prev, h_prev = states[k]
                z = (x @ kernel + bias + h_prev @ recurrent).reshape(1, 4, weights.units)
                c, h = np.empty_like(c_prev), np.empty_like(h_prev)
                cell_step(z, c_prev, z, c, h, np.empty_like(c))
                states[k] = (c, h)
                x = h
        return [(c[0], h[0]) for c, h in states]

    def _blank_start(self) -> Trace:
        """The trace of an empty digit, computed once.

        While the rows read so far are all blank, every layer's state is the same for every
        digit (the network has seen only zeros), so a digit whose first k rows are blank starts
        from this trace's row k: the same numbers, bit for bit, computed once. MNIST digits and drawings,
        scaled into the middle 20 rows, have about 4 such rows, a seventh of the work.
        """
        cached = self.__dict__.get("_blank")
        if cached is None:
            cached = self._trace(np.zeros((1, ROWS, COLUMNS), np.float32), None, 0)
            self.__dict__["_blank"] = cached
        return cached

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Final softmax (n, 10) for many digits (n, 28, 28) in [0, 1], without keeping the trace.

        256 digits a batch: the per-step arrays then stay in the CPU's caches (1,000 test digits of
        3 × 256: 1.06 s at 256, 2.12 s at 1,000; 2 × 64: 0.087 s against 0.246 s, one run here)."""
        images = np.asarray(images, dtype=np.float32)
        out = np.empty((len(images), CLASSES), dtype=np.float32)
        for start in range(0, len(images), batch_size):
            x = self.scale_input(images[start:start + batch_size])
            for weights in self.layers:
                x = _run_layer(weights, x, record=False)
            out[start:start + batch_size] = _softmax(x[:, -1] @ self.dense_kernel + self.dense_bias)
        return out


def _as_batch(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image, dtype=np.float32)
    if image.shape != (ROWS, COLUMNS):
        raise ValueError(f"expected a (28, 28) image, got shape {image.shape}")
    return image[None]


def _blank_rows_on_top(image: np.ndarray) -> int:
    """How many rows at the top of ``image`` (28, 28) are all zero."""
    inked = np.flatnonzero(image.any(axis=1))
    return int(inked[0]) if inked.size else ROWS


def _run_layer(w: LstmWeights, x: np.ndarray, record: bool,
               known: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
    """One LSTM layer over a batch of sequences x (n, T, inputs).

    Returns the h sequence (n, T, u); with ``record`` also the gates (n, T, 4, u) and c (n, T, u).
    ``known`` (one sequence only) gives the gates, c and h of its first rows, already computed: the
    loop starts after them. The input projection of all rows is one matrix product; only h @ U is
    sequential. Every step writes straight into the recorded arrays: at this size numpy's
    per-call overhead, not the arithmetic, is what costs, so the loop does as few calls as it can.
    """
    n, steps, _ = x.shape
    u = w.units
    kernel, recurrent, bias = w.scaled()
    # Every row, even the known ones: a product of another shape may round differently, and the
    # rows after the known ones must be exactly what a full run computes.
    projected = x @ kernel + bias                    # (n, T, 4u), i/f/o columns halved
    first = 0 if known is None else len(known[0])
    h_seq = np.empty((n, steps, u), dtype=np.float32)
    gate_seq = np.empty((n, steps, 4, u) if record else (n, 1, 4, u), dtype=np.float32)
    c_seq = np.empty((n, steps, u) if record else (n, 2, u), dtype=np.float32)
    z = np.empty((n, 4, u), dtype=np.float32)
    product = np.empty((n, u), dtype=np.float32)
    c_prev = np.zeros((n, u), dtype=np.float32)
    if first:
        gate_seq[0, :first], c_seq[0, :first], h_seq[0, :first] = known
        c_prev = c_seq[:, first - 1]
    for t in range(first, steps):
        if t == 0:
            z[:] = projected[:, 0].reshape(n, 4, u)   # h_{-1} = 0
        else:
            np.matmul(h_seq[:, t - 1], recurrent, out=z.reshape(n, 4 * u))
            z += projected[:, t].reshape(n, 4, u)
        c = c_seq[:, t] if record else c_seq[:, t % 2]
        cell_step(z, c_prev, gate_seq[:, t if record else 0], c, h_seq[:, t], product)
        c_prev = c
    return (gate_seq, c_seq, h_seq) if record else h_seq


def cell_step(z: np.ndarray, c_prev: np.ndarray, gates: np.ndarray, c: np.ndarray, h: np.ndarray,
              product: np.ndarray) -> None:
    """One LSTM step for a batch, in place: from the pre-activations ``z`` (n, 4, u), computed with
    ``LstmWeights.scaled()`` (i, f, o columns halved), and ``c_prev`` (n, u), fill ``gates``
    (n, 4, u), ``c`` and ``h`` (n, u). ``product`` (n, u) is scratch space. ``gates`` may be ``z``
    itself and ``c`` may be ``c_prev``: every operation is element by element.
    """
    # sigmoid(a) = 0.5 tanh(a/2) + 0.5; the halving is folded into the weights, so one tanh
    # gives all four gates and a scale-and-shift turns i, f, o into sigmoids.
    np.tanh(z, out=gates)
    gates *= _GATE_SCALE
    gates += _GATE_SHIFT
    np.multiply(gates[:, 1], c_prev, out=c)       # f * c_{t-1}
    np.multiply(gates[:, 0], gates[:, 2], out=product)  # i * g
    c += product
    np.tanh(c, out=h)
    h *= gates[:, 3]                              # h = o * tanh(c)


# Per gate (i, f, g, o): sigmoid for i, f, o; tanh for g.
_GATE_SCALE = np.array([0.5, 0.5, 1.0, 0.5], dtype=np.float32)[:, None]
_GATE_SHIFT = np.array([0.5, 0.5, 0.0, 0.5], dtype=np.float32)[:, None]
