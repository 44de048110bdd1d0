"""Explicit SIMD for the Gram builds: ``outer_tile``, BLAS's register tile in numba.

numba hands LLVM the host CPU, and on AVX-512 CPUs LLVM's loop vectoriser prefers 256-bit
vectors (its ``prefer-256-bit`` tuning): the dot-product 4 x 4 tile of the Gram builds ran on
ymm registers, and its horizontal sums and the 8 row loads per 16 multiply-adds kept it at
14-18 GFMA/s per thread.  An explicit ``<SIMD_WIDTH x double>`` loop is lowered as written, so
here the accumulators are ``SIMD_WIDTH``-wide vectors whatever the vectoriser prefers, and the
tile is the outer-product form of BLAS kernels (numbers in bench/README.md, "200,000 x 200,
continued").  This is a numba ``intrinsic`` (LLVM IR built at compile time), not ``njit``
code, which is why it lives outside ``_kernels``; kernels call it like any helper.  The order
of operations is fixed (one chain of fused multiply-adds per entry, in the order of the rows),
so the result does not depend on the caller, the tile that holds an entry or the thread
count.  Under ``NUMBA_DISABLE_JIT`` a numpy twin with the same contract replaces it.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from fastnorm._config import SIMD_WIDTH, TILE_MR

__all__ = ["outer_tile", "outer_tile1", "packed_tile"]


def _rows_ok(t) -> bool:
    return isinstance(t, types.Array) and t.ndim == 2 and t.dtype == types.float64


def _vptr(builder, vec, base, off):
    """A ``vec`` pointer at byte ``off`` of ``base`` (an ``i8*``)."""
    return builder.bitcast(builder.gep(base, [off]), vec.as_pointer())


def _fma(builder, vec, W):
    return cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(vec, [vec, vec, vec]), f"llvm.fma.v{W}f64"
    )


def _tile_ptrs(builder, vec, abase, sA, i0v, k0v, MR, NV, W):
    """The ``MR x NV`` vector pointers of ``A``'s tile: row ``i0 + u``, columns
    ``k0 + h W``."""
    i64 = ir.IntType(64)
    c8 = ir.Constant(i64, 8)
    out = []
    for u in range(MR):
        row = builder.mul(builder.add(i0v, ir.Constant(i64, u)), sA)
        for h in range(NV):
            col = builder.mul(builder.add(k0v, ir.Constant(i64, h * W)), c8)
            out.append(_vptr(builder, vec, abase, builder.add(row, col)))
    return out


def _fma_row(builder, fma, vec, W, qbase, qoffs, bs, accs):
    """One row of the outer product: ``accs[NV u + h] += Q[u] * bs[h]``, ``Q[u]`` the double
    at byte ``qoffs[u]`` of ``qbase`` broadcast to a vector (``NV = len(bs)``)."""
    i32 = ir.IntType(32)
    dbl = ir.DoubleType()
    zmask = ir.Constant(ir.VectorType(i32, W), [0] * W)
    undef = ir.Constant(vec, ir.Undefined)
    NV = len(bs)
    for u, off in enumerate(qoffs):
        x = builder.load(builder.bitcast(builder.gep(qbase, [off]), dbl.as_pointer()), align=8)
        xv = builder.shuffle_vector(
            builder.insert_element(undef, x, ir.Constant(i32, 0)), undef, zmask
        )
        for h in range(NV):
            acc = accs[NV * u + h]
            builder.store(builder.call(fma, [xv, bs[h], builder.load(acc)]), acc)


def _make_outer(NV: int):
    """The intrinsic ``tile(Q, P, r0, m, i0, k0, A)``:
    ``A[i0 + u, k0 + v] += sum_{r0 <= r < r0 + m} Q[r, i0 + u] * P[r, k0 + v]`` for
    ``u < TILE_MR``, ``v < NV * SIMD_WIDTH``: the register tile of a Gram block in BLAS's
    outer-product form.  ``P`` (rows x columns, C order) holds the rows of the data, so each
    row brings ``NV`` contiguous vectors of ``P`` and ``TILE_MR`` broadcast scalars of ``Q``
    (``P`` itself, or ``P`` with its rows weighted), and the ``TILE_MR x NV`` vector
    accumulators stay in registers over the ``m`` rows (no horizontal sums).  ``A`` is
    C-ordered; each entry is one chain of fused multiply-adds in the order of the rows."""

    @intrinsic
    def tile(typingctx, Q, P, r0, m, i0, k0, A):
        if not all(_rows_ok(t) and t.layout == "C" for t in (Q, P, A)):
            return None
        if not all(isinstance(t, types.Integer) for t in (r0, m, i0, k0)):
            return None
        sig = types.none(Q, P, r0, m, i0, k0, A)
        W = SIMD_WIDTH
        MR = TILE_MR

        def codegen(context, builder, sig, args):
            Qv, Pv, r0v, mv, i0v, k0v, Av = args
            i64 = ir.IntType(64)
            dbl = ir.DoubleType()
            vec = ir.VectorType(dbl, W)
            r0v, mv, i0v, k0v = (
                context.cast(builder, v, t, types.int64)
                for v, t in zip((r0v, mv, i0v, k0v), sig.args[2:6], strict=True)
            )
            i8p = ir.IntType(8).as_pointer()
            Qa = context.make_array(sig.args[0])(context, builder, Qv)
            Pa = context.make_array(sig.args[1])(context, builder, Pv)
            Aa = context.make_array(sig.args[6])(context, builder, Av)
            sP = cgutils.unpack_tuple(builder, Pa.strides, 2)[0]
            sQ = cgutils.unpack_tuple(builder, Qa.strides, 2)[0]
            qbase = builder.bitcast(Qa.data, i8p)
            sA = cgutils.unpack_tuple(builder, Aa.strides, 2)[0]
            pbase = builder.bitcast(Pa.data, i8p)
            abase = builder.bitcast(Aa.data, i8p)
            c8 = ir.Constant(i64, 8)
            fma = _fma(builder, vec, W)
            # the tile of A: row i0 + u, vectors at columns k0 and k0 + W
            aptr = _tile_ptrs(builder, vec, abase, sA, i0v, k0v, MR, NV, W)
            accs = []
            for p_ in aptr:
                slot = cgutils.alloca_once(builder, vec)
                builder.store(builder.load(p_, align=8), slot)
                accs.append(slot)
            boff = [builder.mul(builder.add(k0v, ir.Constant(i64, h * W)), c8) for h in range(NV)]
            xoff = [builder.mul(builder.add(i0v, ir.Constant(i64, u)), c8) for u in range(MR)]
            with cgutils.for_range(builder, mv) as loop:
                r = builder.add(r0v, loop.index)
                row = builder.mul(r, sP)
                qrow = builder.mul(r, sQ)
                bs = [
                    builder.load(_vptr(builder, vec, pbase, builder.add(row, o)), align=8)
                    for o in boff
                ]
                _fma_row(builder, fma, vec, W, qbase, [builder.add(qrow, o) for o in xoff], bs,
                         accs)  # fmt: skip
            for p_, acc in zip(aptr, accs, strict=True):
                builder.store(builder.load(acc), p_, align=8)
            return context.get_dummy_value()

        return sig, codegen

    return tile


def _make_packed():
    """The intrinsic ``tile(Q, jq, P, jp, m, A, i0, k0, init)``:
    ``A[i0 + u, k0 + h W + v] += sum_{r < m} Q[jq, r, u] * P[jp + h, r, v]`` (``=`` when
    ``init``: the chain starts from zeros, as if ``A`` held them) for
    ``u < TILE_MR``, ``h < 2``, ``v < W = SIMD_WIDTH``: :func:`_make_outer`'s tile on packed
    micro-panels (``Q`` and ``P`` C-ordered (panels, rows, ``W``) float64, ``TILE_MR == W``),
    so each row's broadcasts and vectors are consecutive in memory (BLAS's packed panels) and
    the ``A`` tile is read and written once per panel of rows.  ``A`` C-ordered; each entry
    one chain of fused multiply-adds in the order of the rows."""

    @intrinsic
    def tile(typingctx, Q, jq, P, jp, m, A, i0, k0, init):
        ok3 = all(
            isinstance(t, types.Array) and t.ndim == 3 and t.layout == "C"
            and t.dtype == types.float64 for t in (Q, P)
        )  # fmt: skip
        if not ok3 or not (_rows_ok(A) and A.layout == "C"):
            return None
        if not all(
            isinstance(t, (types.Integer, types.Boolean)) for t in (jq, jp, m, i0, k0, init)
        ):
            return None
        sig = types.none(Q, jq, P, jp, m, A, i0, k0, init)
        W = SIMD_WIDTH
        MR = TILE_MR
        NV = 2

        def codegen(context, builder, sig, args):
            Qv, jqv, Pv, jpv, mv, Av, i0v, k0v, initv = args
            i64 = ir.IntType(64)
            dbl = ir.DoubleType()
            vec = ir.VectorType(dbl, W)
            jqv, jpv, mv, i0v, k0v = (
                context.cast(builder, v, sig.args[j], types.int64)
                for v, j in zip((jqv, jpv, mv, i0v, k0v), (1, 3, 4, 6, 7), strict=True)
            )
            i8p = ir.IntType(8).as_pointer()
            Qa = context.make_array(sig.args[0])(context, builder, Qv)
            Pa = context.make_array(sig.args[2])(context, builder, Pv)
            Aa = context.make_array(sig.args[5])(context, builder, Av)
            sQ0, sQ = cgutils.unpack_tuple(builder, Qa.strides, 3)[:2]
            sP0, sP = cgutils.unpack_tuple(builder, Pa.strides, 3)[:2]
            sA = cgutils.unpack_tuple(builder, Aa.strides, 2)[0]
            qbase = builder.gep(builder.bitcast(Qa.data, i8p), [builder.mul(jqv, sQ0)])
            pbase = [
                builder.gep(
                    builder.bitcast(Pa.data, i8p),
                    [builder.mul(builder.add(jpv, ir.Constant(i64, h)), sP0)],
                )
                for h in range(NV)
            ]
            abase = builder.bitcast(Aa.data, i8p)
            fma = _fma(builder, vec, W)
            aptr = _tile_ptrs(builder, vec, abase, sA, i0v, k0v, MR, NV, W)
            accs = []
            zero = ir.Constant(vec, [0.0] * W)
            fresh = builder.icmp_unsigned("!=", initv, ir.Constant(initv.type, 0))
            for p_ in aptr:
                slot = cgutils.alloca_once(builder, vec)
                with builder.if_else(fresh) as (then, other):
                    with then:
                        builder.store(zero, slot)
                    with other:
                        builder.store(builder.load(p_, align=8), slot)
                accs.append(slot)
            with cgutils.for_range(builder, mv) as loop:
                r = loop.index
                prow = builder.mul(r, sP)
                qrow = builder.mul(r, sQ)
                bs = [builder.load(_vptr(builder, vec, pbase[h], prow), align=8) for h in range(NV)]
                qoffs = [builder.add(qrow, ir.Constant(i64, 8 * u)) for u in range(MR)]
                _fma_row(builder, fma, vec, W, qbase, qoffs, bs, accs)
            for p_, acc in zip(aptr, accs, strict=True):
                builder.store(builder.load(acc), p_, align=8)
            return context.get_dummy_value()

        return sig, codegen

    return tile


def _packed_py(Q, jq, P, jp, m, A, i0, k0, init):
    """The numpy twin of :func:`_make_packed`'s tile (``NUMBA_DISABLE_JIT``)."""
    W = SIMD_WIDTH
    if init:
        A[i0 : i0 + TILE_MR, k0 : k0 + 2 * W] = 0.0
    B = np.concatenate((P[jp, :m], P[jp + 1, :m]), axis=1)
    A[i0 : i0 + TILE_MR, k0 : k0 + 2 * W] += Q[jq, :m, :TILE_MR].T @ B


def _make_outer_py(NV: int):
    """The numpy twin of :func:`_make_outer`'s tile (``NUMBA_DISABLE_JIT``)."""

    def tile(Q, P, r0, m, i0, k0, A):
        nr = NV * SIMD_WIDTH
        a = Q[r0 : r0 + m, i0 : i0 + TILE_MR]
        A[i0 : i0 + TILE_MR, k0 : k0 + nr] += a.T @ P[r0 : r0 + m, k0 : k0 + nr]

    return tile


_make = _make_outer_py if numba.config.DISABLE_JIT else _make_outer
#: ``TILE_MR x 2 SIMD_WIDTH``: the tile of the Gram builds; ``outer_tile1`` its half
#: (``TILE_MR x SIMD_WIDTH``) for the last columns and the diagonal's edge.
outer_tile = _make(2)
outer_tile1 = _make(1)
#: ``outer_tile`` on packed micro-panels (the Gram pass for wide X).
packed_tile = _packed_py if numba.config.DISABLE_JIT else _make_packed()
