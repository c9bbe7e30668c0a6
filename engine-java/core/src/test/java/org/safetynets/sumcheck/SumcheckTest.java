package org.safetynets.sumcheck;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Multilinear;
import org.safetynets.transcript.FiatShamirTranscript;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The sum-check over F_p^2 against brute-force sums over the hypercube, with base and extension tables. */
class SumcheckTest {
    private final Backend backend = new ReferenceBackend();
    private final Random random = new Random(11);

    private long element() {
        return Math.floorMod(random.nextLong(), Fp.P);
    }

    private Fp2 extension() {
        return new Fp2(element(), element());
    }

    /** A table of witness values (base) or of extension elements, as the prover holds them. */
    private Fp2[] table(int n, boolean base) {
        Fp2[] v = new Fp2[n];
        for (int i = 0; i < n; i++) v[i] = base ? Fp2.of(element()) : extension();
        return v;
    }

    private ExtTensor upload(Fp2[] table, boolean base) {
        long[] re = new long[table.length];
        long[] im = new long[table.length];
        for (int i = 0; i < table.length; i++) {
            re[i] = table[i].re();
            im[i] = table[i].im();
        }
        return base ? ExtTensor.base(backend.upload(re)) : backend.upload(re, im);
    }

    /** Brute force over the hypercube: sum_x prod_f T_f(x). */
    private static Fp2 bruteForceSum(Fp2[][] tables, int[] factors) {
        Fp2 sum = Fp2.ZERO;
        for (int x = 0; x < tables[0].length; x++) {
            Fp2 product = Fp2.ONE;
            for (int f : factors) product = product.mul(tables[f][x]);
            sum = sum.add(product);
        }
        return sum;
    }

    @Test
    void honestProofsVerifyAndEndAtTheTablesMle() {
        int[][] patterns = {{0}, {0, 1}, {0, 1, 1}, {0, 1, 2}};
        for (int k = 0; k <= 6; k++) {
            for (int[] factors : patterns) {
                for (boolean firstBase : new boolean[] {true, false}) {
                    int distinct = factors[factors.length - 1] + 1;
                    Fp2[][] tables = new Fp2[distinct][];
                    ExtTensor[] device = new ExtTensor[distinct];
                    for (int d = 0; d < distinct; d++) {
                        boolean base = d == 0 ? firstBase : d % 2 == 1;
                        tables[d] = table(1 << k, base);
                        device[d] = upload(tables[d], base);
                    }
                    Fp2 claim = bruteForceSum(tables, factors);
                    FiatShamirTranscript prover = FiatShamirTranscript.forProver();
                    Sumcheck.Proven proven = Sumcheck.prove(backend, prover, device, factors, k);
                    Sumcheck.Reduced reduced = Sumcheck.verify(FiatShamirTranscript.forVerifier(prover.proofBytes()), claim, k, factors.length);
                    assertArrayEquals(proven.point(), reduced.point());
                    Fp2 expected = Fp2.ONE;
                    for (int f : factors) expected = expected.mul(Multilinear.evaluate(tables[f], proven.point()));
                    assertEquals(expected, reduced.finalClaim(), "k " + k);
                    for (int d = 0; d < distinct; d++) assertEquals(Multilinear.evaluate(tables[d], proven.point()), proven.finalValues()[d]);
                    for (ExtTensor t : device) t.close();
                }
            }
        }
    }

    @Test
    void aWrongClaimIsCaughtInTheFirstRound() {
        Fp2[] table = table(16, true);
        Fp2 claim = bruteForceSum(new Fp2[][] {table}, new int[] {0});
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        try (ExtTensor device = upload(table, true)) {
            Sumcheck.prove(backend, prover, new ExtTensor[] {device}, new int[] {0}, 4);
        }
        for (Fp2 lie : new Fp2[] {claim.add(Fp2.ONE), claim.add(Fp2.I)}) {
            ProofRejected e = assertThrows(ProofRejected.class,
                    () -> Sumcheck.verify(FiatShamirTranscript.forVerifier(prover.proofBytes()), lie, 4, 1));
            assertEquals(0, e.round());
        }
    }

    /** The square sum-check sends exactly what the generic prover sends for the tables (E, A, A). */
    @Test
    void squareProverMatchesTheGenericProverByteForByte() {
        for (int k = 0; k <= 7; k++) {
            Fp2[] zero = new Fp2[k];
            Fp2[] one = new Fp2[k];
            for (int j = 0; j < k; j++) {
                zero[j] = extension();
                one[j] = extension();
                if (j % 3 == 0) zero[j] = Fp2.ONE.sub(one[j]); // eq weights
                if (j % 3 == 1) {
                    zero[j] = Fp2.ONE; // pooled offset bits
                    one[j] = Fp2.ONE;
                }
            }
            if (k == 5) one[4] = Fp2.ZERO; // f_m(1) = 0: q(1) cannot come from the claim
            Fp2[] values = table(1 << k, true);
            Fp2[] weight = new Fp2[1 << k];
            for (int x = 0; x < weight.length; x++) {
                weight[x] = Fp2.ONE;
                for (int j = 0; j < k; j++) weight[x] = weight[x].mul((x >> j & 1) == 1 ? one[j] : zero[j]);
            }
            FiatShamirTranscript generic = FiatShamirTranscript.forProver();
            Sumcheck.Proven genericProof;
            try (ExtTensor e = upload(weight, false); ExtTensor a = upload(values, true)) {
                genericProof = Sumcheck.prove(backend, generic, new ExtTensor[] {e, a}, new int[] {0, 1, 1}, k);
            }
            FiatShamirTranscript square = FiatShamirTranscript.forProver();
            Fp2 claim = bruteForceSum(new Fp2[][] {weight, values}, new int[] {0, 1, 1});
            Sumcheck.Proven squareProof;
            try (ExtTensor a = upload(values, true)) {
                squareProof = Sumcheck.proveSquare(backend, square, claim, zero, one, a.re());
            }
            assertArrayEquals(generic.proofBytes(), square.proofBytes(), "k = " + k);
            assertArrayEquals(genericProof.point(), squareProof.point());
            assertEquals(Multilinear.evaluate(values, squareProof.point()), squareProof.finalValues()[0]);
            assertEquals(Multilinear.evaluate(weight, squareProof.point()), Sumcheck.productWeightAt(zero, one, squareProof.point()));
        }
    }
}
