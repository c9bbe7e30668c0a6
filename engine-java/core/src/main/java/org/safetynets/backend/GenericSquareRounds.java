package org.safetynets.backend;

import org.safetynets.field.Fp2;

/**
 * The x^2 sum-check's rounds from the generic kernels: the weight E is materialised as a product table and each
 * round is the degree-3 round of E * A * A. Simple and right on every backend; it costs a table of E as large as
 * A, which a fused implementation avoids.
 */
final class GenericSquareRounds implements SquareRounds {
    private final Backend backend;
    private final DeviceTensor values;
    private ExtTensor weight;
    private ExtTensor table;
    private int half;

    GenericSquareRounds(Backend backend, Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
        this.backend = backend;
        this.values = values;
        this.weight = backend.productTable(zeroWeights, oneWeights);
        this.table = ExtTensor.base(values);
        this.half = 1 << zeroWeights.length;
    }

    @Override
    public Fp2[] roundPolynomial(Fp2 claim) {
        return backend.roundEvaluations(new ExtTensor[] {weight, table}, new int[] {0, 1, 1}, half / 2, 3);
    }

    @Override
    public void bind(Fp2 r) {
        half /= 2;
        ExtTensor foldedWeight = backend.fold(weight, half, r);
        if (foldedWeight != weight) weight.close();
        weight = foldedWeight;
        ExtTensor foldedTable = backend.fold(table, half, r);
        if (foldedTable != table && table.re() != values) table.close();
        table = foldedTable;
    }

    @Override
    public Fp2 finalValue() {
        return backend.get(table, 0);
    }

    @Override
    public void close() {
        weight.close();
        if (table.re() != values) table.close();
    }
}
