package org.safetynets.layer;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.model.Dense;
import org.safetynets.poly.Multilinear;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.Transcript;

/**
 * Dense, Y = W X + bias (x) mask, with X the padded features x batch input and mask the real batch columns.
 * Claim MLE(Y)(r_b, r_row) = v becomes (Thaler's matrix-product protocol)
 * v - MLE(bias)(r_row) * MLE(mask)(r_b) = sum_k MLE(W)(r_row, k) * MLE(X)(r_b, k),
 * a degree-2 sum-check over the input-feature bits with tables w = eq(r_row)^T W and a = X eq(r_b): O(mn + nb)
 * work next to the O(mnb) product. The prover sends c = MLE(X)(r_b, rho); the verifier evaluates MLE(W)(r_row, rho)
 * from the weights it knows. New claim: MLE(X)(r_b, rho) = c.
 */
public final class DenseProtocol implements LayerProtocol {
    private final Layout in;
    private final Layout out;
    private final int rows;
    private final int columns;
    private final long[] weights;
    private final long[] bias;
    private final Dense layer;
    private final int[] paddedColumn;

    public DenseProtocol(Dense layer, Layout in) {
        this.layer = layer;
        this.in = in;
        this.out = in.withShape(layer.outputShape(in.shape()));
        this.rows = out.shape().paddedSize();
        this.columns = in.shape().paddedSize();
        // Column j of W reads feature j of the (c, h, w) row-major flattening, which sits at a padded row of X.
        this.paddedColumn = new int[layer.inputs()];
        for (int j = 0; j < layer.inputs(); j++) paddedColumn[j] = in.shape().paddedIndexOfFlat(j);
        if ((long) rows * columns > Shape.MAX_PADDED_SIZE) {
            throw new IllegalArgumentException("the padded weight matrix of " + layer.outputs() + " x " + layer.inputs()
                    + " has more than 2^30 entries");
        }
        this.weights = new long[rows * columns];
        for (int o = 0; o < layer.outputs(); o++)
            for (int j = 0; j < layer.inputs(); j++) weights[o * columns + paddedColumn[j]] = Fp.fromSigned(layer.weight(o, j));
        this.bias = new long[rows];
        for (int o = 0; o < layer.outputs(); o++) bias[o] = Fp.fromSigned(layer.bias()[o]);
    }

    static final class Schedule {
        static long inputValue(Transcript transcript, Long value) {
            return transcript.value("dense.input", value);
        }
    }

    @Override
    public Layout input() {
        return in;
    }

    @Override
    public Layout output() {
        return out;
    }

    @Override
    public DeviceTensor infer(Backend backend, DeviceTensor input) {
        try (DeviceTensor w = backend.upload(weights)) {
            DeviceTensor y = backend.matmul(w, input, rows, columns, in.paddedBatch());
            backend.addBias(y, bias, out);
            return y;
        }
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        long[] rb = Multilinear.slice(claim.point(), 0, in.batchVariables());
        long[] rRow = Multilinear.slice(claim.point(), in.batchVariables(), out.featureVariables());
        try (DeviceTensor eqRow = backend.eqTable(rRow);
             DeviceTensor w = backend.upload(weights);
             DeviceTensor weightTable = backend.rowCombination(eqRow, w, rows, columns);
             DeviceTensor eqBatch = backend.eqTable(rb);
             DeviceTensor inputTable = backend.columnCombination(input, eqBatch, columns, in.paddedBatch())) {
            long[] rho = Sumcheck.prove(backend, transcript, new DeviceTensor[] {weightTable, inputTable}, new int[] {0, 1},
                    in.featureVariables());
            long c = Schedule.inputValue(transcript, backend.get(inputTable, 0));
            return new Claim(Multilinear.concat(rb, rho), c);
        }
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        long[] rb = Multilinear.slice(claim.point(), 0, in.batchVariables());
        long[] rRow = Multilinear.slice(claim.point(), in.batchVariables(), out.featureVariables());
        long[] eqRow = Multilinear.eqTable(rRow);
        long biasTerm = Fp.mul(dot(eqRow, bias), Multilinear.prefixIndicator(rb, in.batch()));
        Sumcheck.Reduced reduced = Sumcheck.verify(transcript, Fp.sub(claim.value(), biasTerm), in.featureVariables(), 2);
        long c = Schedule.inputValue(transcript, null);
        if (Fp.mul(weightsAt(eqRow, reduced.point()), c) != reduced.finalClaim()) {
            throw new ProofRejected("dense: MLE(W)(r, rho) * c does not match the sum-check's final claim", 0, in.featureVariables());
        }
        return new Claim(Multilinear.concat(rb, reduced.point()), c);
    }

    /** MLE(W)(r_row, rho) from the real weights: O(outputs * inputs), independent of the batch. */
    private long weightsAt(long[] eqRow, long[] rho) {
        long[] eqColumn = Multilinear.eqTable(rho);
        long total = 0;
        for (int o = 0; o < layer.outputs(); o++) {
            long row = 0;
            for (int j = 0; j < layer.inputs(); j++) row = Fp.add(row, Fp.mul(weights[o * columns + paddedColumn[j]], eqColumn[paddedColumn[j]]));
            total = Fp.add(total, Fp.mul(eqRow[o], row));
        }
        return total;
    }

    static long dot(long[] a, long[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) sum = Fp.add(sum, Fp.mul(a[i], b[i]));
        return sum;
    }

    @Override
    public java.util.List<Sumcheck.Rounds> sumchecks() {
        return java.util.List.of(new Sumcheck.Rounds(in.featureVariables(), 2));
    }

    @Override
    public long proofElements() {
        return 3L * in.featureVariables() + 1;
    }
}
