"""One planner for every reduction: how to feed one or several same-shape operands to a kernel.

A reduction over one axis (or over everything) of ``k`` operands (``k = 1`` for the norms, 2
for the distances ``x - y``, the input and the output for normalize) runs in one of the
kernel layouts of :mod:`fastnorm._kernels`:

- ``flat``: 1-D views, reduced to a scalar;
- ``allrows``: 2-D ``(m, n)`` views, every row reduced, the row results summed (everything);
- ``rows``: 2-D ``(m, n)`` views reduced along the inner axis;
- ``cols``: 3-D ``(o, n, m)`` views reduced along ``n``, vectorised along the inner ``m``;
- ``empty``: nothing to read (a reduced axis of length 0, or no elements).

The planner sorts the axes by stride and merges the neighbours that are contiguous with each
other in *every* operand, so that any layout numpy can view as one of the above is reduced
without a copy.  The differences between one and several operands are few and deliberate:

- one operand: the views are built by transpose + reshape (a view, cheaper than
  ``as_strided``), the common 2-D and contiguous cases skip the stride algebra, and strides
  that fit no layout are planned on a contiguous copy (as numpy's own ravel would copy);
- several operands: read-only ``as_strided`` views (one compiled kernel specialisation), an
  operand broadcast (stride 0) along an outer axis gets length 1 there (the distance kernels
  reuse its row 0), and strides that fit no layout give ``kind`` None: the caller then forms
  the difference.

Layer: numpy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Plan", "merge_axes", "readonly", "writeable_view"]

_F64 = np.dtype(np.float64)


def merge_axes(shape: tuple[int, ...], strides: list[tuple[int, ...]], axes: Any) -> list:
    """Sort ``axes`` by decreasing |stride| and merge neighbours that are contiguous with each
    other in every operand (``strides``: one tuple per operand).  Returns a list of
    ``[length, [stride per operand], [original axes]]`` (outer to inner)."""
    merged: list = []
    if len(strides) == 1:  # the same algebra, written for one operand (microseconds count)
        s0 = strides[0]
        for a in sorted((a for a in axes if shape[a] != 1), key=lambda a: -abs(s0[a])):
            if merged and merged[-1][1][0] == s0[a] * shape[a]:
                g = merged[-1]
                g[0] *= shape[a]
                g[1] = [s0[a]]
                g[2].append(a)
            else:
                merged.append([shape[a], [s0[a]], [a]])
        return merged
    ax = sorted((a for a in axes if shape[a] != 1), key=lambda a: -max(abs(s[a]) for s in strides))
    for a in ax:
        if merged and all(
            g == s[a] * shape[a] for g, s in zip(merged[-1][1], strides, strict=True)
        ):
            merged[-1][0] *= shape[a]
            merged[-1][1] = [s[a] for s in strides]
            merged[-1][2].append(a)
        else:
            merged.append([shape[a], [s[a] for s in strides], [a]])
    return merged


def _key(ss: list[int]) -> int:
    return max(abs(s) for s in ss)


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view: kernels then see the same numba type as for the planned views (one
    compiled specialisation instead of a read-only and a writeable one)."""
    v = a.view()
    v.flags.writeable = False
    return v


def writeable_view(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A writeable view of ``x`` (an output) with the shape and strides of plan view ``v``."""
    return np.lib.stride_tricks.as_strided(x, shape=v.shape, strides=v.strides)


def _view1(x: np.ndarray, groups: list, lead: int) -> np.ndarray:
    """A view of ``x`` whose axes are the merged axis ``groups`` (outer to inner), after
    ``lead`` leading axes of length one.  Built by transpose + reshape, which numpy
    guarantees to be a view here because each group's axes are contiguous with each other."""
    order = [a for g in groups for a in g[2]]
    rest = [a for a in range(x.ndim) if a not in order]
    y = x.transpose(rest + order)
    shape = [1] * lead + [g[0] for g in groups]
    try:
        return np.reshape(y, shape, copy=False)
    except ValueError:  # pragma: no cover - defensive: fall back to explicit strides
        st = [0] * lead + [g[1][0] for g in groups]
        return np.lib.stride_tricks.as_strided(x, shape=shape, strides=st, writeable=False)


def _views(ops: list[np.ndarray], groups: list, lead: int) -> tuple[list, tuple]:
    """Views of several operands on the merged ``groups`` (after ``lead`` axes of length one),
    read-only, length 1 on every outer axis where an operand's stride is 0; and the shape.
    Transpose + reshape, as :func:`_view1` (a view: each group is contiguous in every
    operand), is cheaper than ``as_strided`` and gives the same strides and numba type."""
    order = [a for g in groups for a in g[2]]
    perm = [a for a in range(ops[0].ndim) if a not in order] + order
    shape = (1,) * lead + tuple(g[0] for g in groups)
    outer = [i for i, g in enumerate(groups[:-1], lead) if 0 in g[1]]
    views = []
    for k, a in enumerate(ops):
        try:
            v = a.transpose(perm).reshape(shape, copy=False)  # a new array object
        except ValueError:  # pragma: no cover - defensive: explicit strides
            st = (0,) * lead + tuple(g[1][k] for g in groups)
            v = np.lib.stride_tricks.as_strided(a, shape=shape, strides=st)
        cut = [i for i in outer if v.strides[i] == 0]
        if cut:  # broadcast along an outer axis: the kernels reuse row 0
            v = v[tuple(slice(0, 1) if i in cut else slice(None) for i in range(v.ndim))]
        v.flags.writeable = False
        views.append(v)
    return views, shape


class Plan:
    """How to feed a reduction over ``axis`` (None: everything) of the same-shape operands
    ``ops`` (broadcast views allowed) to one kernel: ``kind`` (see the module docstring; None
    where several operands' strides fit no layout), the kernel ``views`` and their full
    ``shape``, the element count ``n``, and the output's shape and axis order."""

    __slots__ = ("kind", "n", "out_shape", "perm", "shape", "views")

    @classmethod
    def direct(cls, kind: str, views: list[np.ndarray], shape: tuple, n: int) -> Plan:
        """A plan from views built by the caller (the common layouts, without stride algebra)."""
        self = cls.__new__(cls)
        self.kind, self.views, self.shape, self.n = kind, views, shape, n
        self.out_shape, self.perm = ((shape[0],), [0]) if kind == "rows" else ((), [])
        return self

    def __init__(self, ops: list[np.ndarray], axis: int | None) -> None:
        x = ops[0]
        single = len(ops) == 1
        shape = x.shape
        self.n = n_all = x.size
        self.perm: list[int] = []
        self.kind: str | None
        if axis is None:
            self.out_shape: tuple[int, ...] = ()
            if single and x.ndim == 1:  # the commonest plan, assigned inline (call overhead)
                self.kind, self.views, self.shape = "flat", ops, shape
                return
            if single and (x.flags.c_contiguous or x.flags.f_contiguous):
                self._one("flat", x.ravel(order="K"))
                return
            merged = merge_axes(shape, [a.strides for a in ops], range(x.ndim))
            if single and (n_all == 0 or not merged):
                self._one("flat", x.reshape(-1))
            elif not merged:
                self.kind, self.shape = "flat", (n_all,)
                self.views = [a.reshape(-1) for a in ops]
            elif len(merged) <= 2:
                self._lay("flat" if len(merged) == 1 else "allrows", ops, merged, 0)
            elif single:  # three or more non-mergeable axes: one contiguous copy (as ravel)
                self._one("flat", np.ascontiguousarray(x).reshape(-1))
            else:
                self.kind = None
            return
        n = shape[axis]
        others = [a for a in range(x.ndim) if a != axis]
        self.out_shape = tuple(shape[a] for a in others)
        if n == 0 or n_all == 0:
            self._one("empty", x)
            return
        if single and x.ndim == 2:  # the common case, without stride algebra (nor calls)
            other = others[0]
            self.perm = [0] if shape[other] != 1 else []
            st = x.strides
            if abs(st[axis]) <= abs(st[other]) or shape[other] == 1:
                self.kind, v = "rows", x if axis == 1 else x.T
            else:
                self.kind, v = "cols", (x.T if axis == 1 else x)[None]
            self.views, self.shape = [v], v.shape
            return
        sk = [a.strides[axis] for a in ops]
        merged = merge_axes(shape, [a.strides for a in ops], others)
        # Order of the kernel's output axes, as positions in out_shape.
        self.perm = [others.index(a) for g in merged for a in g[2]]
        red = [n, sk, [axis]]
        if not merged:
            self._lay("rows", ops, [red], 1)
        elif len(merged) == 1 and _key(sk) <= _key(merged[0][1]):
            self._lay("rows", ops, [merged[0], red], 0)
        elif len(merged) == 1:
            self._lay("cols", ops, [red, merged[0]], 1)
        elif len(merged) == 2 and _key(merged[1][1]) < _key(sk):
            self._lay("cols", ops, [merged[0], red, merged[1]], 0)
        elif single:  # awkward strides: reduce a contiguous copy instead
            p = Plan([np.ascontiguousarray(x)], axis)
            self.kind, self.views, self.shape, self.perm = p.kind, p.views, p.shape, p.perm
        else:
            self.kind = None

    def _one(self, kind: str, view: np.ndarray) -> None:
        self.kind, self.views, self.shape = kind, [view], view.shape

    def _lay(self, kind: str, ops: list[np.ndarray], groups: list, lead: int) -> None:
        self.kind = kind
        if len(ops) == 1:
            self._one(kind, _view1(ops[0], groups, lead))
        else:
            self.views, self.shape = _views(ops, groups, lead)

    @property
    def view(self) -> np.ndarray:
        """The view of a one-operand plan."""
        return self.views[0]

    def kshape(self) -> tuple[int, ...]:
        return tuple(self.out_shape[i] for i in self.perm)

    def finish(self, raw: Any) -> np.ndarray:
        """Kernel-order raw output -> float64 array of ``out_shape`` (C order)."""
        if type(raw) is not np.ndarray or raw.dtype != _F64:  # skip a no-op call (~0.1 us)
            raw = np.asarray(raw, dtype=np.float64)
        if self.kind == "empty":
            return raw.reshape(self.out_shape)
        raw = raw.reshape(self.kshape())
        if len(self.perm) > 1:
            raw = np.ascontiguousarray(raw.transpose(np.argsort(self.perm)))
        return raw.reshape(self.out_shape)
