package org.safetynets.cpu;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.ExtTensor;
import org.safetynets.field.Fp2;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The CPU backend's F_p^2 fold and round evaluations against {@link Fp2Reference}, over awkward sizes. */
class CpuExtensionKernelsTest {
    private static final int[] HALVES = {0, 1, 3, 5, 1000, 40_000};

    @Test
    void foldMatchesTheReference() {
        Random random = new Random(11);
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend backend = new CpuBackend(threads, false)) {
                for (int half : HALVES) {
                    for (boolean baseTable : new boolean[] {true, false}) {
                        for (boolean baseChallenge : new boolean[] {true, false}) {
                            String what = "threads=" + threads + " half=" + half + " base table=" + baseTable
                                    + " base challenge=" + baseChallenge;
                            Fp2 r = baseChallenge ? Fp2.of(Fp2Reference.randomElement(random)) : Fp2Reference.randomFp2(random);
                            checkFold(backend, random, half, baseTable, r, what);
                        }
                    }
                }
                assertEquals(0, backend.openTensors());
            }
        }
    }

    private static void checkFold(CpuBackend backend, Random random, int half, boolean baseTable, Fp2 r, String what) {
        int n = 2 * half + 3; // a longer tensor: entries from 2 * half on are not the table's
        long[] re = Fp2Reference.randomValues(random, n);
        long[] im = baseTable ? null : Fp2Reference.randomValues(random, n);
        Fp2[] table = new Fp2[n];
        for (int i = 0; i < n; i++) table[i] = new Fp2(re[i], im == null ? 0 : im[i]);
        Fp2[] expected = Fp2Reference.fold(table, half, r);
        try (ExtTensor tensor = backend.upload(re, im)) {
            ExtTensor folded = backend.fold(tensor, half, r);
            try {
                if (!baseTable || r.isBase()) assertSame(tensor, folded, what + ": folded in place");
                for (int i = 0; i < half; i++) assertEquals(expected[i], backend.get(folded, i), what + " entry " + i);
                if (folded != tensor) {
                    assertArrayEquals(re, backend.download(tensor.re()), what + ": the argument changed");
                    assertEquals(half, folded.length(), what);
                }
            } finally {
                if (folded != tensor) folded.close();
            }
        }
    }

    @Test
    void roundEvaluationsMatchTheReference() {
        Random random = new Random(12);
        int[][] factorLists = {{0}, {0, 1}, {0, 1, 1}, {1, 0, 1}, {0, 1, 2}, {2, 2}, {0, 1, 2, 1}};
        for (int threads : new int[] {1, 2}) {
            try (CpuBackend backend = new CpuBackend(threads, false)) {
                for (int half : HALVES) {
                    for (int[] factors : factorLists) {
                        for (int baseMask = 0; baseMask < 8; baseMask++) {
                            for (int degree : new int[] {factors.length, factors.length + 1}) {
                                String what = "threads=" + threads + " half=" + half + " factors="
                                        + java.util.Arrays.toString(factors) + " base tables=" + baseMask + " degree=" + degree;
                                checkRound(backend, random, half, factors, baseMask, degree, what);
                            }
                        }
                    }
                }
                assertEquals(0, backend.openTensors());
            }
        }
    }

    private static void checkRound(CpuBackend backend, Random random, int half, int[] factors, int baseMask, int degree,
                                   String what) {
        int n = 2 * half + 1;
        ExtTensor[] tensors = new ExtTensor[3];
        Fp2[][] tables = new Fp2[3][];
        try {
            for (int d = 0; d < 3; d++) {
                boolean base = (baseMask >> d & 1) == 1;
                long[] re = Fp2Reference.randomValues(random, n);
                long[] im = base ? null : Fp2Reference.randomValues(random, n);
                tables[d] = new Fp2[n];
                for (int i = 0; i < n; i++) tables[d][i] = new Fp2(re[i], im == null ? 0 : im[i]);
                tensors[d] = backend.upload(re, im);
            }
            Fp2[] expected = Fp2Reference.roundEvaluations(tables, factors, half, degree);
            assertArrayEquals(expected, backend.roundEvaluations(tensors, factors, half, degree), what);
        } finally {
            for (ExtTensor t : tensors) if (t != null) t.close();
        }
    }
}
