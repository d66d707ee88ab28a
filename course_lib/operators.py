r"""Linear operators on matrices, usable as the elements of an operator-valued matrix.

An operator 𝒜 maps a matrix X linearly to a matrix 𝒜X:

    LeftMultiply(B)    X ↦ B X
    RightMultiply(A)   X ↦ X A
    Hadamard(M)        X ↦ M ∘ X                      (elementwise product)
    Kronecker(A, B)    X ↦ B X Aᵀ,  since (A ⊗ B) vec(X) = vec(B X Aᵀ)   (column-major vec)
    Identity()         X ↦ X
    Zero()             X ↦ 0

They combine into c·𝒜, −𝒜, 𝒜 + ℬ, 𝒜 − ℬ and the composition 𝒜 @ ℬ (first ℬ, then 𝒜).
One symbol, two meanings that agree: `op @ X` *applies* op to an array X, `op @ other_op`
*composes*, and `B @ op` with an array B is LeftMultiply(B) @ op. `*` is only for scalars.

The transpose-dot 𝒜ᵀ• (Edelman, Akyürek & Wang 2023), written `op.T`, is the adjoint for the
Frobenius inner product ⟨X, Y⟩ = tr(XᵀY) = Σ X_kl Y_kl:

    ⟨𝒜X, Y⟩ = ⟨X, 𝒜ᵀ• Y⟩,

    LeftMultiply(B)ᵀ• = LeftMultiply(Bᵀ)       RightMultiply(A)ᵀ• = RightMultiply(Aᵀ)
    Hadamard(M)ᵀ•     = Hadamard(M)            Kronecker(A, B)ᵀ•  = Kronecker(Aᵀ, Bᵀ)
    (𝒜 @ ℬ)ᵀ•        = ℬᵀ• @ 𝒜ᵀ•              (𝒜 + ℬ)ᵀ• = 𝒜ᵀ• + ℬᵀ•,   (c𝒜)ᵀ• = c 𝒜ᵀ•

On vec(X) every operator is a matrix, `op.dense(shape)`, and op.T.dense is its transpose.
`transpose_dot(M)` transposes a whole matrix of operators: (Mᵀ•)_ij = (M_ji)ᵀ•.

Shapes are tracked per dimension, None where the operator accepts any size (LeftMultiply(B)
takes any number of columns); applying an operator to a matrix of the wrong shape raises a
ValueError naming the operator and both shapes.
"""

from course_lib.elementary_operators import (
    Hadamard,
    Identity,
    Kronecker,
    LeftMultiply,
    RightMultiply,
    Zero,
)
from course_lib.operator_algebra import (
    ANY,
    Composition,
    Operator,
    Scaled,
    Shape,
    Sum,
    transpose_dot,
)

__all__ = [
    "Operator", "LeftMultiply", "RightMultiply", "Hadamard", "Kronecker", "Identity", "Zero",
    "Scaled", "Sum", "Composition", "transpose_dot", "Shape", "ANY",
]
