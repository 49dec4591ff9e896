"""Principal axes of states pooled over many chunks, computed chunk by chunk.

Each chunk of states (m, units) gives its count, mean and centred scatter matrix
``Σ (x - mean)(x - mean)ᵀ``; chunks are merged with Chan, Golub and LeVeque's pairwise update
(``M = M_a + M_b + δδᵀ·n_a n_b / n``, δ the difference of the means). Centring each chunk on its
own mean keeps the float32 products free of cancellation (a unit whose mean is far from zero would
otherwise lose its small variance in ``E[xxᵀ] − μμᵀ``); the merge itself is float64. Merging in a
fixed order makes the axes the same, bit for bit, however the chunks were computed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Moments:
    """Count, mean (units,) and centred scatter matrix (units, units) of a set of states, float64."""

    count: int
    mean: np.ndarray
    scatter: np.ndarray

    @classmethod
    def of(cls, states: np.ndarray) -> Moments:
        """The moments of ``states`` (m, units), float32."""
        x = np.asarray(states, dtype=np.float32)
        mean = x.mean(axis=0, dtype=np.float64)
        centred = x - mean.astype(np.float32)
        # The product's rows are the chunk's own: float32 is exact enough once centred, and
        # ``a.T @ a`` lets numpy use BLAS's symmetric product (half the work of a general one).
        scatter = (centred.T @ centred).astype(np.float64)
        # The float32 centre is not exactly the mean: remove the small remainder's share.
        offset = centred.sum(axis=0, dtype=np.float64)
        scatter -= np.outer(offset, offset) / len(x)
        return cls(len(x), mean, scatter)

    def merge(self, other: Moments) -> Moments:
        if self.count == 0:
            return other
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        scatter = self.scatter + other.scatter + np.outer(delta, delta) * (self.count * other.count / count)
        return Moments(count, mean, scatter)

    @classmethod
    def empty(cls, units: int) -> Moments:
        return cls(0, np.zeros(units), np.zeros((units, units)))


@dataclass(frozen=True)
class Axes:
    """A principal-component basis: ``mean`` (units,), ``components`` (k, units) with orthonormal
    rows by decreasing variance, ``explained`` (k,) each component's share of the total variance."""

    mean: np.ndarray
    components: np.ndarray
    explained: np.ndarray


def principal_axes(moments: Moments, k: int) -> Axes:
    """The top ``k`` principal axes of the covariance ``scatter / count`` (numpy's ``eigh``).

    Each component's sign is fixed so that its largest coordinate (by magnitude, the first one
    on a tie) is positive: an eigenvector is only defined up to sign, and the axes must not flip
    from one build to the next.
    """
    covariance = moments.scatter / moments.count
    covariance = (covariance + covariance.T) / 2   # exactly symmetric for eigh
    values, vectors = np.linalg.eigh(covariance)   # ascending
    order = np.argsort(values)[::-1][:k]
    components = vectors[:, order].T.copy()
    largest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(len(components)), largest])[:, None]
    total = float(np.trace(covariance))
    explained = np.clip(values[order], 0.0, None) / total if total > 0 else np.zeros(len(order))
    return Axes(moments.mean, components, explained)
