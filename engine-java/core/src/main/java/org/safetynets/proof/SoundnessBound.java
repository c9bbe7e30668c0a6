package org.safetynets.proof;

import org.safetynets.field.Fp;
import org.safetynets.layer.Network;
import org.safetynets.model.Model;
import org.safetynets.sumcheck.Sumcheck;

import java.util.Locale;

/**
 * The probability that a cheating prover makes the verifier accept wrong outputs, computed from the proof's
 * schedule (the same sum-checks the prover and verifier run). Every challenge is uniform on F = F_p^2,
 * |F| = p^2 (about 2^122); the polynomials below have coefficients in F, so Schwartz-Zippel applies over F.
 *
 * <p>Interactive: wrong outputs Y' give a first claim MLE(Y')(r) that equals the truth only if r is a root of
 * MLE(Y' - Y), a non-zero multilinear polynomial in v_out variables: probability at most v_out/|F|.
 * Each sum-check round with a false claim and a round polynomial of degree d leaves a false claim unless the
 * challenge is one of at most d roots: probability at most d/|F|. Every final evaluation the verifier computes
 * itself (weights, selections, eq weights, the input) is exact, so a false claim that reaches one is caught.
 * By the union bound the error is at most (v_out + sum over rounds of d)/|F|. Assumes the verifier's challenges
 * are uniform and secret until sent.
 *
 * <p>Fiat-Shamir: with SHA-256 as a random oracle and a prover making Q hash queries, the error is at most
 * (Q + 1) times the round-by-round error, the largest single-step error max(v_out, d_max)/|F| (Canetti et al.,
 * STOC 2019). A base-field challenge space (|F| = p) left a prover that hashes 2^60 times unbounded; p^2 is why
 * format 2 draws from the extension. {@link #fiatShamirLog2} gives it; (Q + 1) times the whole interactive bound is a looser, simpler figure.
 */
public record SoundnessBound(int batch, int rounds, long degreeSum, int outputVariables, int maxDegree) {
    /** Challenges are drawn from F_p^2: |F| = p^2, about 2^122. */
    private static final double LOG2_FIELD = 2 * Math.log(Fp.P) / Math.log(2);

    public static SoundnessBound of(Model model, int batch) {
        return of(Network.compile(model, batch));
    }

    public static SoundnessBound of(Network network) {
        int rounds = 0;
        long degreeSum = 0;
        int maxDegree = 0;
        for (Network.Step step : network.steps()) {
            for (Sumcheck.Rounds r : step.protocol().sumchecks()) {
                rounds += r.count();
                degreeSum += (long) r.count() * r.degree();
                if (r.count() > 0) maxDegree = Math.max(maxDegree, r.degree());
            }
        }
        return new SoundnessBound(network.batch(), rounds, degreeSum, network.output().variables(), maxDegree);
    }

    /** The numerator of the interactive error: v_out plus the sum of round degrees. */
    public long interactiveNumerator() {
        return outputVariables + degreeSum;
    }

    /** log2 of the interactive soundness error, (v_out + sum of degrees)/p^2. */
    public double interactiveLog2() {
        return Math.log(interactiveNumerator()) / Math.log(2) - LOG2_FIELD;
    }

    /** log2 of the Fiat-Shamir error for a prover making 2^log2Queries hash queries: (Q + 1) max(v_out, d_max)/p^2. */
    public double fiatShamirLog2(int log2Queries) {
        double q = Math.log(Math.pow(2, log2Queries) + 1) / Math.log(2);
        return q + Math.log(Math.max(outputVariables, maxDegree)) / Math.log(2) - LOG2_FIELD;
    }

    /** One line for people, e.g. for {@code safetynets inspect}. */
    public String describe() {
        return String.format(Locale.ROOT, "interactive <= (%d + %d)/p^2 = 2^%.1f over %d sum-check rounds; Fiat-Shamir, 2^64 hash queries: <= 2^%.1f",
                outputVariables, degreeSum, interactiveLog2(), rounds, fiatShamirLog2(64));
    }
}
