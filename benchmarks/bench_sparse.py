r"""Benchmark: the sparse adjoint solve ``A λ = −e_n`` on random DAGs of 10^4 … 10^6 nodes.

``A = Jᵀ − I`` comes from :func:`course_lib.lagrange.random_dag_system` (every node
reads two earlier nodes). Printed:

1. seconds per solve for four scipy routes to the same back substitution —
   ``spsolve_triangular`` as is (it rescales a non-unit diagonal by a sparse matrix
   product), ``spsolve_triangular`` on rows pre-divided by their diagonal with
   ``unit_diagonal=True`` (what ``sparse_adjoints`` does), ``spsolve`` on a CSC
   matrix, and ``splu`` factor + solve — and for ``sparse_adjoints`` itself
   (including its input checks);
2. the fitted scaling exponent ``p`` in ``time ∝ n^p`` over 10^4 … 10^6;
3. the speed-up over a plain Python back-substitution loop on the same graphs.

Run: ``.venv/bin/python benchmarks/bench_sparse.py``. Timings are the best of a few
repeats; they vary by machine.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from targets import Target
from timing import best_time

from course_lib.lagrange import random_dag_system, sparse_adjoints

SIZES = [10**4, 10**5, 10**6]
PYTHON_LOOP_SIZES = [10**4, 10**5, 10**6]
REPEATS = 3


def python_back_substitution(A, b) -> np.ndarray:
    r"""THE PEER BEING COMPARED (not course code): back substitution as a plain Python loop.

    λ_i = (b_i − Σ_{k > i} A[i, k] λ_k) / A[i, i], rows from the last up, reading CSR lists.
    """
    indptr, indices, data = A.indptr.tolist(), A.indices.tolist(), A.data.tolist()
    n = len(indptr) - 1
    lam = [0.0] * n
    for i in range(n - 1, -1, -1):
        total, diagonal = b[i], 0.0
        for p in range(indptr[i], indptr[i + 1]):
            k = indices[p]
            if k == i:
                diagonal = data[p]
            else:
                total -= data[p] * lam[k]
        lam[i] = total / diagonal
    return np.array(lam)


def route_spsolve_triangular(A, b):
    return scipy.sparse.linalg.spsolve_triangular(A, b, lower=False)


def route_spsolve_triangular_unit(A, b):
    d = A.diagonal()  # rows scaled by 1/A[i, i] first, then a unit-diagonal solve
    scaled = scipy.sparse.csr_array(
        (A.data / np.repeat(d, np.diff(A.indptr)), A.indices, A.indptr), shape=A.shape)
    return scipy.sparse.linalg.spsolve_triangular(scaled, b / d, lower=False,
                                                  unit_diagonal=True, overwrite_A=True,
                                                  overwrite_b=True)


def route_spsolve_csc(A, b):
    return scipy.sparse.linalg.spsolve(A.tocsc(), b, permc_spec="NATURAL")


def route_splu(A, b):
    return scipy.sparse.linalg.splu(A.tocsc(), permc_spec="NATURAL",
                                    options={"SymmetricMode": True}).solve(b)


ROUTES = {
    "spsolve_triangular": route_spsolve_triangular,
    "pre-scaled, unit": route_spsolve_triangular_unit,
    "spsolve (CSC)": route_spsolve_csc,
    "splu + solve": route_splu,
    "sparse_adjoints": sparse_adjoints,
}


def main(argv: list[str] | None = None) -> list[Target]:
    times: dict[str, list[float]] = {name: [] for name in ROUTES}
    python_times: dict[int, float] = {}
    print(f"scipy {scipy.__version__}, numpy {np.__version__}; best of {REPEATS} repeats\n")
    header = f"{'nodes':>9} {'nnz(A)':>9} " + " ".join(f"{name:>19}" for name in ROUTES)
    header += f" {'python loop':>12} {'speed-up':>9} {'max |λ|':>9}"
    print("seconds per adjoint solve (fan-in 2)")
    print(header)
    for n in SIZES:
        A, b = random_dag_system(n, fan_in=2, seed=0)
        reference = None
        row = f"{n:>9} {A.nnz:>9} "
        for name, route in ROUTES.items():
            t, _, lam = best_time(lambda r=route, A=A, b=b: r(A, b), REPEATS)
            times[name].append(t)
            if reference is None:
                reference = lam
            # every route must give the same adjoints
            assert np.allclose(lam, reference, rtol=1e-9, atol=1e-12), name
            row += f"{t:>19.4f} "
        # residual check of the reference solution: A λ = b
        assert np.allclose(A @ reference, b, atol=1e-9 * max(1.0, np.abs(reference).max()))
        if n in PYTHON_LOOP_SIZES:
            t_py, _, lam_py = best_time(lambda A=A, b=b: python_back_substitution(A, b),
                                        repeats=1)
            assert np.allclose(lam_py, reference, rtol=1e-9, atol=1e-12)
            python_times[n] = t_py
            row += f"{t_py:>12.3f} {t_py / times['sparse_adjoints'][-1]:>8.0f}x"
        else:
            row += f"{'-':>12} {'-':>9}"
        row += f" {np.abs(reference).max():>9.2e}"
        print(row)

    print("\nfitted exponent p in time ∝ n^p over 10^4 … 10^6 (least squares on log–log)")
    logn = np.log(SIZES)
    for name, ts in times.items():
        p = np.polyfit(logn, np.log(ts), 1)[0]
        print(f"  {name:<20} p = {p:.2f}")
    if len(python_times) > 1:
        ns = sorted(python_times)
        p = np.polyfit(np.log(ns), np.log([python_times[n] for n in ns]), 1)[0]
        print(f"  {'python loop':<20} p = {p:.2f}")
    fastest = min(ROUTES, key=lambda name: times[name][-1])
    print(f"\nfastest scipy route at n = {SIZES[-1]:.0e}: {fastest} "
          f"({times[fastest][-1]:.4f} s)")
    print("'pre-scaled, unit' = rows divided by A[i, i], then spsolve_triangular(unit_diagonal=True)\n"
          "(SuperLU's triangular solve alone); plain spsolve_triangular rescales a non-unit\n"
          "diagonal with a sparse matrix product, and spsolve/splu factorise before solving.\n"
          "sparse_adjoints = 'pre-scaled, unit' + input checks (square, triangular, nonzero diagonal).")
    ours = times["sparse_adjoints"]
    exponent = np.polyfit(logn, np.log(ours), 1)[0]
    targets = [Target(f"sparse adjoint solve, random DAG, {SIZES[-1]:.0e} nodes", "≤ 0.5 s",
                      f"{ours[-1]:.2f} s", ours[-1] <= 0.5),
               Target(f"scaling exponent p, time ∝ n^p over {SIZES[0]:.0e}…{SIZES[-1]:.0e}",
                      "≈ 1 (0.8–1.2)", f"{exponent:.2f}", 0.8 <= exponent <= 1.2)]
    if SIZES[-1] in python_times:
        targets.append(Target(f"speed-up over a Python back-substitution loop, {SIZES[-1]:.0e}",
                              "—", f"{python_times[SIZES[-1]] / ours[-1]:.0f}×", None))
    return targets


if __name__ == "__main__":
    main()
