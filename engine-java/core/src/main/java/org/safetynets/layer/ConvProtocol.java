package org.safetynets.layer;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.model.Conv2d;
import org.safetynets.poly.Multilinear;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.Shape;
import org.safetynets.transcript.Transcript;

/**
 * Conv2d as a matrix product Y = K U + bias (x) mask, where U is the im2col matrix with rows (ci, kh, kw) and
 * columns (oh, ow, b), and U = S X for the 0/1 selection S that maps (kernel offset, output position) to an
 * input pixel; S factors per axis: S_h(kh, oh, ih) = [ih = oh*stride + kh - padding].
 *
 * <p>Two degree-2 sum-checks, with r = (r_b, r_ow, r_oh, r_co):
 * <ol>
 * <li>v - MLE(bias)(r_co) * masks = sum_kappa MLE(K)(r_co, kappa) * MLE(U)(kappa, r_oh, r_ow, r_b), over the
 * kernel index kappa = (ci, kh, kw). The prover's U-table is computed without materialising U: first
 * X eq(r_b), then the patch sums over output positions. It sends c1 = MLE(U)(rho, r_pos); the verifier
 * evaluates MLE(K) itself.</li>
 * <li>c1 = sum_{ih, iw} S_h~(rho_kh, r_oh, ih) S_w~(rho_kw, r_ow, iw) MLE(X)(r_b, iw, ih, rho_ci), over the input
 * pixel bits. The prover sends c2 = MLE(X)(r_b, rho'_iw, rho'_ih, rho_ci); the verifier evaluates S_h~ and
 * S_w~ in O(k * output size), independent of the batch.</li>
 * </ol>
 * New claim: MLE(X)(r_b, rho'_iw, rho'_ih, rho_ci) = c2.
 */
public final class ConvProtocol implements LayerProtocol {
    private final ConvGeometry geometry;
    private final Layout in;
    private final Layout out;
    private final long[] kernelMatrix;
    private final long[] bias;

    public ConvProtocol(Conv2d layer, Layout in) {
        this.in = in;
        this.geometry = new ConvGeometry(in, layer.outChannels(), layer.kernel(), layer.stride(), layer.padding());
        this.out = geometry.output();
        int kp = geometry.paddedKernel();
        int columns = geometry.kernelColumns();
        this.kernelMatrix = new long[out.shape().paddedChannels() * columns];
        for (int co = 0; co < layer.outChannels(); co++)
            for (int ci = 0; ci < layer.inChannels(); ci++)
                for (int kh = 0; kh < layer.kernel(); kh++)
                    for (int kw = 0; kw < layer.kernel(); kw++)
                        kernelMatrix[co * columns + (ci * kp + kh) * kp + kw] = Fp.fromSigned(layer.weight(co, ci, kh, kw));
        this.bias = new long[out.shape().paddedChannels()];
        for (int co = 0; co < layer.outChannels(); co++) bias[co] = Fp.fromSigned(layer.bias()[co]);
    }

    /**
     * The sum-check over the kernel index, c1 = MLE(U)(rho, r_pos), the sum-check over the input pixel bits, then
     * c2 = MLE(X)(r_b, rho'_iw, rho'_ih, rho_ci).
     */
    @Override
    public ProtocolSchedule schedule() {
        return ProtocolSchedule.builder()
                .sumcheck(Multilinear.log2(geometry.kernelColumns()), 2).value("conv.patches")
                .sumcheck(in.widthVariables() + in.heightVariables(), 2).value("conv.input")
                .build();
    }

    /** The output claim's point split by axis. */
    private record OutputPoint(Fp2[] batch, Fp2[] column, Fp2[] row, Fp2[] channel) {
        static OutputPoint of(Layout out, Fp2[] point) {
            int lb = out.batchVariables();
            int lw = out.widthVariables();
            int lh = out.heightVariables();
            return new OutputPoint(Multilinear.slice(point, 0, lb), Multilinear.slice(point, lb, lw),
                    Multilinear.slice(point, lb + lw, lh), Multilinear.slice(point, lb + lw + lh, out.channelVariables()));
        }
    }

    /** The first sum-check's point split into (kw, kh, ci). */
    private record KernelPoint(Fp2[] kw, Fp2[] kh, Fp2[] ci) {
        static KernelPoint of(ConvGeometry g, Fp2[] point) {
            int lk = Multilinear.log2(g.paddedKernel());
            return new KernelPoint(Multilinear.slice(point, 0, lk), Multilinear.slice(point, lk, lk),
                    Multilinear.slice(point, 2 * lk, point.length - 2 * lk));
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
        try (DeviceTensor kernel = backend.upload(kernelMatrix)) {
            DeviceTensor y = backend.conv2d(kernel, input, geometry);
            backend.addBias(y, bias, out);
            return y;
        }
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        OutputPoint r = OutputPoint.of(out, claim.point());
        Shape inShape = in.shape();
        int pixels = inShape.paddedHeight() * inShape.paddedWidth();
        try (ExtTensor eqBatch = backend.eqTable(r.batch());
             ExtTensor inputByBatch = backend.columnCombination(ExtTensor.base(input), eqBatch, inShape.paddedSize(), in.paddedBatch())) {
            ProtocolSchedule.Play play = schedule().play(transcript);
            // Sum-check 1 over the kernel index.
            Sumcheck.Proven first;
            Fp2 c1;
            try (ExtTensor eqChannel = backend.eqTable(r.channel());
                 ExtTensor kernel = ExtTensor.base(backend.upload(kernelMatrix));
                 ExtTensor kernelTable = backend.rowCombination(eqChannel, kernel, out.shape().paddedChannels(), geometry.kernelColumns());
                 ExtTensor patchTable = backend.convPatchSums(inputByBatch, Multilinear.eqTable(r.row()), Multilinear.eqTable(r.column()), geometry)) {
                first = play.proveSumcheck(backend, new ExtTensor[] {kernelTable, patchTable}, new int[] {0, 1});
                c1 = play.value("conv.patches", first.finalValues()[1]);
            }
            // Sum-check 2 over the input pixel.
            KernelPoint kappa = KernelPoint.of(geometry, first.point());
            Fp2[] selection = selectionTable(kappa, r);
            long[] selectionRe = new long[selection.length];
            long[] selectionIm = new long[selection.length];
            for (int i = 0; i < selection.length; i++) {
                selectionRe[i] = selection[i].re();
                selectionIm[i] = selection[i].im();
            }
            try (ExtTensor eqInChannel = backend.eqTable(kappa.ci());
                 ExtTensor pixelTable = backend.rowCombination(eqInChannel, inputByBatch, inShape.paddedChannels(), pixels);
                 ExtTensor selectionTable = backend.upload(selectionRe, selectionIm)) {
                Sumcheck.Proven second = play.proveSumcheck(backend, new ExtTensor[] {selectionTable, pixelTable}, new int[] {0, 1});
                Fp2 c2 = play.value("conv.input", second.finalValues()[1]);
                play.end();
                return new Claim(Multilinear.concat(r.batch(), second.point(), kappa.ci()), c2);
            }
        }
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        OutputPoint r = OutputPoint.of(out, claim.point());
        Shape outShape = out.shape();
        Fp2 mask = Multilinear.prefixIndicator(r.row(), outShape.height()).mul(Multilinear.prefixIndicator(r.column(), outShape.width()))
                .mul(Multilinear.prefixIndicator(r.batch(), in.batch()));
        Fp2[] eqChannel = Multilinear.eqTable(r.channel());
        Fp2 biasTerm = Multilinear.dot(eqChannel, bias).mul(mask);
        int kernelVariables = Multilinear.log2(geometry.kernelColumns());
        ProtocolSchedule.Play play = schedule().play(transcript);
        Sumcheck.Reduced first = play.verifySumcheck(claim.value().sub(biasTerm));
        Fp2 c1 = play.value("conv.patches", null);
        if (!kernelAt(eqChannel, first.point()).mul(c1).equals(first.finalClaim())) {
            throw new ProofRejected("conv2d: MLE(K)(r, rho) * c1 does not match the first sum-check's final claim", 0, kernelVariables);
        }
        KernelPoint kappa = KernelPoint.of(geometry, first.point());
        int pixelVariables = in.widthVariables() + in.heightVariables();
        Sumcheck.Reduced second;
        try {
            second = play.verifySumcheck(c1);
        } catch (ProofRejected e) {
            throw new ProofRejected("conv2d (input sum-check): " + e.reason(), 0, kernelVariables + e.round());
        }
        Fp2 c2 = play.value("conv.input", null);
        play.end();
        Fp2[] iw = Multilinear.slice(second.point(), 0, in.widthVariables());
        Fp2[] ih = Multilinear.slice(second.point(), in.widthVariables(), in.heightVariables());
        Fp2 selection = axisSelection(kappa.kh(), r.row(), ih, outShape.height(), in.shape().height())
                .mul(axisSelection(kappa.kw(), r.column(), iw, outShape.width(), in.shape().width()));
        if (!selection.mul(c2).equals(second.finalClaim())) {
            throw new ProofRejected("conv2d: S(rho, r, rho') * c2 does not match the second sum-check's final claim", 0,
                    kernelVariables + pixelVariables);
        }
        return new Claim(Multilinear.concat(r.batch(), second.point(), kappa.ci()), c2);
    }

    /** sel[ih*Wp + iw] = S_h~(rho_kh, r_oh, ih) * S_w~(rho_kw, r_ow, iw) for every input pixel. */
    private Fp2[] selectionTable(KernelPoint kappa, OutputPoint r) {
        Shape s = in.shape();
        Fp2[] rows = axisTable(kappa.kh(), r.row(), s.paddedHeight(), out.shape().height(), s.height());
        Fp2[] cols = axisTable(kappa.kw(), r.column(), s.paddedWidth(), out.shape().width(), s.width());
        Fp2[] table = new Fp2[s.paddedHeight() * s.paddedWidth()];
        for (int ih = 0; ih < rows.length; ih++)
            for (int iw = 0; iw < cols.length; iw++) table[ih * cols.length + iw] = rows[ih].mul(cols[iw]);
        return table;
    }

    /** t[i] = sum over (k < kernel, o < outputExtent) with i = o*stride + k - padding of eq(rhoK, k) eq(rOut, o). */
    private Fp2[] axisTable(Fp2[] rhoK, Fp2[] rOut, int paddedInput, int outputExtent, int inputExtent) {
        Fp2[] eqK = Multilinear.eqTable(rhoK);
        Fp2[] eqO = Multilinear.eqTable(rOut);
        Fp2[] table = new Fp2[paddedInput];
        java.util.Arrays.fill(table, Fp2.ZERO);
        for (int k = 0; k < geometry.kernel(); k++)
            for (int o = 0; o < outputExtent; o++) {
                int i = geometry.inputCoordinate(o, k, inputExtent);
                if (i >= 0) table[i] = table[i].add(eqK[k].mul(eqO[o]));
            }
        return table;
    }

    /** S_axis~(rhoK, rOut, rhoIn): the axis table evaluated at rhoIn. */
    private Fp2 axisSelection(Fp2[] rhoK, Fp2[] rOut, Fp2[] rhoIn, int outputExtent, int inputExtent) {
        Fp2[] eqIn = Multilinear.eqTable(rhoIn);
        Fp2[] axis = axisTable(rhoK, rOut, eqIn.length, outputExtent, inputExtent);
        Fp2 sum = Fp2.ZERO;
        for (int i = 0; i < eqIn.length; i++) sum = sum.add(axis[i].mul(eqIn[i]));
        return sum;
    }

    /** MLE(K)(r_co, rho) from the kernel matrix: O(Co * Ci * k^2), independent of the batch. */
    private Fp2 kernelAt(Fp2[] eqChannel, Fp2[] rho) {
        Fp2[] eqKappa = Multilinear.eqTable(rho);
        int columns = geometry.kernelColumns();
        Fp2 total = Fp2.ZERO;
        for (int co = 0; co < out.shape().channels(); co++) {
            long re = 0;
            long im = 0;
            for (int k = 0; k < columns; k++) {
                long weight = kernelMatrix[co * columns + k];
                if (weight == 0) continue;
                re = Fp.add(re, Fp.mul(weight, eqKappa[k].re()));
                im = Fp.add(im, Fp.mul(weight, eqKappa[k].im()));
            }
            total = total.add(eqChannel[co].mul(new Fp2(re, im)));
        }
        return total;
    }

}
