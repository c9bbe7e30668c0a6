package org.safetynets.layer;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Multilinear;
import org.safetynets.sumcheck.Sumcheck;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.transcript.Transcript;

/**
 * Sum pooling with a power-of-two window s. The window offset (oh, ow) is the low log2(s) bits of the input
 * row and column, so with y = (b, wo, ho, c) and the offset inserted:
 * MLE(Y)(r) = sum over (oh, ow) in {0,1}^(2 log s) of MLE(X)(r_b, ow, r_wo, oh, r_ho, r_c).
 * The prover tabulates T(oh, ow) = MLE(X)(r with the offset inserted) and runs a degree-1 sum-check over the
 * 2 log s offset bits; its final claim MLE(T)(rho) is by construction MLE(X) at r with rho inserted, so it
 * is the new claim and no further message is needed.
 */
public final class PoolProtocol implements LayerProtocol {
    private final PoolGeometry geometry;

    public PoolProtocol(PoolGeometry geometry) {
        this.geometry = geometry;
    }

    @Override
    public Layout input() {
        return geometry.input();
    }

    @Override
    public Layout output() {
        return geometry.output();
    }

    @Override
    public DeviceTensor infer(Backend backend, DeviceTensor input) {
        return backend.sumPool(input, geometry);
    }

    @Override
    public Claim prove(Backend backend, Transcript transcript, Claim claim, DeviceTensor input) {
        Fp2[] offsetSums;
        try (ExtTensor eqOut = backend.eqTable(claim.point())) {
            offsetSums = backend.poolOffsetSums(input, eqOut, geometry);
        }
        long[] re = new long[offsetSums.length];
        long[] im = new long[offsetSums.length];
        for (int i = 0; i < offsetSums.length; i++) {
            re[i] = offsetSums[i].re();
            im[i] = offsetSums[i].im();
        }
        try (ExtTensor table = backend.upload(re, im)) {
            ProtocolSchedule.Play play = schedule().play(transcript);
            Sumcheck.Proven proven = play.proveSumcheck(backend, new ExtTensor[] {table}, new int[] {0});
            play.end();
            return new Claim(inputPoint(claim.point(), proven.point()), proven.finalValues()[0]);
        }
    }

    @Override
    public Claim verify(Transcript transcript, Claim claim) {
        ProtocolSchedule.Play play = schedule().play(transcript);
        Sumcheck.Reduced reduced = play.verifySumcheck(claim.value());
        play.end();
        return new Claim(inputPoint(claim.point(), reduced.point()), reduced.finalClaim());
    }

    /** A degree-1 sum-check over the window-offset bits; its final claim is the input claim, so no value is sent. */
    @Override
    public ProtocolSchedule schedule() {
        return ProtocolSchedule.builder().sumcheck(2 * geometry.offsetVariables(), 1).build();
    }

    /** Inserts the offset bits rho = (ow bits, oh bits) below the output's row and column bits. */
    private Fp2[] inputPoint(Fp2[] outputPoint, Fp2[] rho) {
        Layout out = geometry.output();
        int s = geometry.offsetVariables();
        int lb = out.batchVariables();
        int lw = out.widthVariables();
        int lh = out.heightVariables();
        int lc = out.channelVariables();
        return Multilinear.concat(
                Multilinear.slice(outputPoint, 0, lb),
                Multilinear.slice(rho, 0, s),
                Multilinear.slice(outputPoint, lb, lw),
                Multilinear.slice(rho, s, s),
                Multilinear.slice(outputPoint, lb + lw, lh),
                Multilinear.slice(outputPoint, lb + lw + lh, lc));
    }

}
