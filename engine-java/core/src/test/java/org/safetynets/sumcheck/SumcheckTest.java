package org.safetynets.sumcheck;

import org.safetynets.ProofRejected;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.field.Fp;
import org.safetynets.poly.Multilinear;
import org.safetynets.transcript.FiatShamirTranscript;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SumcheckTest {
    private final Backend backend = new ReferenceBackend();
    private final Random random = new Random(11);

    private long element() {
        return Math.floorMod(random.nextLong(), Fp.P);
    }

    private long[] elements(int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = element();
        return v;
    }

    /** Brute force over the hypercube: sum_x prod_f T_f(x). */
    private static long bruteForceSum(long[][] tables, int[] factors) {
        long sum = 0;
        for (int x = 0; x < tables[0].length; x++) {
            long product = 1;
            for (int f : factors) product = Fp.mul(product, tables[f][x]);
            sum = Fp.add(sum, product);
        }
        return sum;
    }

    @Test
    void honestProofsVerifyAndEndAtTheTablesMle() {
        int[][] patterns = {{0}, {0, 1}, {0, 1, 1}, {0, 1, 2}};
        for (int k = 0; k <= 6; k++) {
            for (int[] factors : patterns) {
                int distinct = factors[factors.length - 1] + 1;
                long[][] tables = new long[distinct][];
                for (int d = 0; d < distinct; d++) tables[d] = elements(1 << k);
                long claim = bruteForceSum(tables, factors);
                FiatShamirTranscript prover = FiatShamirTranscript.forProver();
                DeviceTensor[] device = new DeviceTensor[distinct];
                for (int d = 0; d < distinct; d++) device[d] = backend.upload(tables[d]);
                long[] point = Sumcheck.prove(backend, prover, device, factors, k);
                Sumcheck.Reduced reduced = Sumcheck.verify(FiatShamirTranscript.forVerifier(prover.proofBytes()), claim, k, factors.length);
                assertArrayEquals(point, reduced.point());
                long expected = 1;
                for (int f : factors) expected = Fp.mul(expected, Multilinear.evaluate(tables[f], point));
                assertEquals(expected, reduced.finalClaim(), "k " + k);
                for (int d = 0; d < distinct; d++) assertEquals(Multilinear.evaluate(tables[d], point), backend.get(device[d], 0));
            }
        }
    }

    @Test
    void aWrongClaimIsCaughtInTheFirstRound() {
        long[] table = elements(16);
        long claim = bruteForceSum(new long[][] {table}, new int[] {0});
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        Sumcheck.prove(backend, prover, new DeviceTensor[] {backend.upload(table)}, new int[] {0}, 4);
        ProofRejected e = assertThrows(ProofRejected.class,
                () -> Sumcheck.verify(FiatShamirTranscript.forVerifier(prover.proofBytes()), Fp.add(claim, 1), 4, 1));
        assertEquals(0, e.round());
    }

    /** The weighted-square prover sends exactly what the generic prover sends for the tables (E, A, A). */
    @Test
    void weightedSquareProverMatchesTheGenericProverByteForByte() {
        for (int k = 0; k <= 7; k++) {
            long[] zero = elements(k);
            long[] one = elements(k);
            for (int j = 0; j < k; j++) {
                if (j % 3 == 0) zero[j] = Fp.sub(1, one[j]); // eq weights
                if (j % 3 == 1) { zero[j] = 1; one[j] = 1; } // pooled offset bits
            }
            if (k == 5) one[4] = 0; // f_m(1) = 0: q(1) cannot come from the claim and is computed instead
            long[] values = elements(1 << k);
            FiatShamirTranscript generic = FiatShamirTranscript.forProver();
            long[] genericPoint = Sumcheck.prove(backend, generic, new DeviceTensor[] {backend.productTable(zero, one), backend.upload(values)},
                    new int[] {0, 1, 1}, k);
            FiatShamirTranscript fast = FiatShamirTranscript.forProver();
            DeviceTensor a = backend.upload(values);
            long[] table = backend.download(backend.productTable(zero, one));
            long claim = bruteForceSum(new long[][] {table, values}, new int[] {0, 1, 1});
            long[] fastPoint = Sumcheck.proveWeightedSquare(backend, fast, claim, zero, one, a);
            assertArrayEquals(generic.proofBytes(), fast.proofBytes(), "k = " + k);
            assertArrayEquals(genericPoint, fastPoint);
            assertEquals(Multilinear.evaluate(values, fastPoint), backend.get(a, 0));
            assertEquals(Multilinear.evaluate(table, fastPoint), Sumcheck.productWeightAt(zero, one, fastPoint));
        }
    }
}
