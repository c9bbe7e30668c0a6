package org.safetynets.layer;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
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
    /**
     * The padded weight matrix in field form, made when a backend first needs it (the verifier never does); shared by
     * this layer's protocols for other batch sizes of the same model ({@link Network#compile(Model, int, Network)}).
     */
    private final PaddedWeights paddedWeights;
    private final long[] bias;
    private final Dense layer;
    private final int[] paddedColumn;

    public DenseProtocol(Dense layer, Layout in) {
        this(layer, in, null);
    }

    /**
     * @param sameLayer this layer's protocol for another batch size, whose padded weights this one shares (the matrix
     *                  does not depend on the batch), or null
     */
    DenseProtocol(Dense layer, Layout in, DenseProtocol sameLayer) {
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
        if (sameLayer != null && (sameLayer.layer != layer || !sameLayer.in.shape().equals(in.shape()))) {
            throw new IllegalArgumentException("padded weights shared with another layer or input shape");
        }
        this.paddedWeights = sameLayer != null ? sameLayer.paddedWeights : new PaddedWeights();
        this.bias = new long[rows];
        for (int o = 0; o < layer.outputs(); o++) bias[o] = Fp.fromSigned(layer.bias()[o]);
    }

    /** The matrix-product sum-check over the input-feature bits, then c = MLE(X)(r_b, rho). */
    @Override
    public ProtocolSchedule schedule() {
        return ProtocolSchedule.builder().sumcheck(in.featureVariables(), 2).value("dense.input").build();
    }

    @Override
    public Layout input() {
        return in;
    }

    @Override
    public Layout output() {
        return out;
    }

    /**
     * W padded to rows x columns, for the backend's products. Made on first use and kept (two threads may both make
     * it; either copy is the same): the verifier reads the real weights instead, so checking a proof never allocates
     * the padded matrix (about 100 MiB and 30 ms of compiling the TIMIT network).
     */
    long[] paddedWeights() {
        long[] w = paddedWeights.matrix;
        if (w == null) {
            w = new long[rows * columns];
            for (int o = 0; o < layer.outputs(); o++)
                for (int j = 0; j < layer.inputs(); j++) w[o * columns + paddedColumn[j]] = Fp.fromSigned(layer.weight(o, j));
            paddedWeights.matrix = w;
        }
        return w;
    }

    /** The holder of {@link #paddedWeights()}, which the same layer's protocols for several batch sizes share. */
    private static final class PaddedWeights {
        volatile long[] matrix;
    }

    @Override
    public DeviceTensor infer(Backend backend, DeviceTensor input) {
        try (DeviceTensor w = backend.upload(paddedWeights())) {
            DeviceTensor y = backend.matmul(w, input, rows, columns, in.paddedBatch());
            backend.addBias(y, bias, out);
            return y;
        }
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        Fp2[] rb = Multilinear.slice(claim.point(), 0, in.batchVariables());
        Fp2[] rRow = Multilinear.slice(claim.point(), in.batchVariables(), out.featureVariables());
        try (ExtTensor eqRow = backend.eqTable(rRow);
             ExtTensor w = ExtTensor.base(backend.upload(paddedWeights()));
             ExtTensor weightTable = backend.rowCombination(eqRow, w, rows, columns);
             ExtTensor eqBatch = backend.eqTable(rb);
             ExtTensor inputTable = backend.columnCombination(ExtTensor.base(input), eqBatch, columns, in.paddedBatch())) {
            ProtocolSchedule.Play play = schedule().play(transcript);
            Sumcheck.Proven proven = play.proveSumcheck(backend, new ExtTensor[] {weightTable, inputTable}, new int[] {0, 1});
            Fp2 c = play.value("dense.input", proven.finalValues()[1]);
            play.end();
            return new Claim(Multilinear.concat(rb, proven.point()), c);
        }
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        Fp2[] rb = Multilinear.slice(claim.point(), 0, in.batchVariables());
        Fp2[] rRow = Multilinear.slice(claim.point(), in.batchVariables(), out.featureVariables());
        Fp2[] eqRow = Multilinear.eqTable(rRow);
        Fp2 biasTerm = Multilinear.dot(eqRow, bias).mul(Multilinear.prefixIndicator(rb, in.batch()));
        ProtocolSchedule.Play play = schedule().play(transcript);
        Sumcheck.Reduced reduced = play.verifySumcheck(claim.value().sub(biasTerm));
        Fp2 c = play.value("dense.input", null);
        play.end();
        if (!weightsAt(eqRow, reduced.point()).mul(c).equals(reduced.finalClaim())) {
            throw new ProofRejected("dense: MLE(W)(r, rho) * c does not match the sum-check's final claim", 0, in.featureVariables());
        }
        return new Claim(Multilinear.concat(rb, reduced.point()), c);
    }

    /** MLE(W)(r_row, rho) from the real weights: O(outputs * inputs), independent of the batch. */
    private Fp2 weightsAt(Fp2[] eqRow, Fp2[] rho) {
        Fp2[] eqColumn = Multilinear.eqTable(rho);
        // eq at each real column's padded index, in column order, so the row loop reads two flat arrays
        int inputs = layer.inputs();
        long[] columnRe = new long[inputs];
        long[] columnIm = new long[inputs];
        for (int j = 0; j < inputs; j++) {
            Fp2 e = eqColumn[paddedColumn[j]];
            columnRe[j] = e.re();
            columnIm[j] = e.im();
        }
        long[] real = layer.weights();
        Fp2 total = Fp2.ZERO;
        for (int o = 0; o < layer.outputs(); o++) {
            long re = 0;
            long im = 0;
            int row = o * inputs;
            for (int j = 0; j < inputs; j++) {
                long signed = real[row + j];
                if (signed == 0) continue;
                long weight = Fp.fromSigned(signed);
                re = Fp.add(re, Fp.mul(weight, columnRe[j]));
                im = Fp.add(im, Fp.mul(weight, columnIm[j]));
            }
            total = total.add(eqRow[o].mul(new Fp2(re, im)));
        }
        return total;
    }

}
