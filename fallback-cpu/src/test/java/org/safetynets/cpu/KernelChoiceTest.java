package org.safetynets.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelChoiceTest {
    @Test
    void byWorkSizeRunsScalarKernelsUntilTheWarmUpIsSpentThenSimdOnes() {
        KernelChoice choice = KernelChoice.afterWarmUp(1000);
        assertFalse(choice.simd(600));   // 0 elements before this call
        assertFalse(choice.simd(399));   // 600 before
        assertFalse(choice.simd(10));    // 999 before
        assertTrue(choice.simd(1));      // 1009 before
        assertTrue(choice.simd(1 << 20));
        assertTrue(choice.describe().contains("SIMD"), choice.describe());
    }

    @Test
    void theDefaultWarmUpOutlastsAOneShotProofOf64MnistSamples() {
        // A proof of 64 samples of the shipped CNN hands these kernels about 2 Mi table elements (counted when the
        // warm-up was chosen): its calls must all stay scalar, a process proving more must reach SIMD.
        KernelChoice choice = KernelChoice.byWorkSize();
        for (int call = 0; call < 64; call++) assertFalse(choice.simd(1 << 15), "call " + call);
        for (int call = 0; call < 4096; call++) choice.simd(1 << 15);
        assertTrue(choice.simd(1 << 15));
    }

    @Test
    void scalarNeverAndAlwaysAlways() {
        KernelChoice scalar = KernelChoice.scalar();
        KernelChoice always = KernelChoice.always();
        for (int call = 0; call < 3; call++) {
            assertFalse(scalar.simd(1L << 30));
            assertTrue(always.simd(1));
        }
        assertFalse(scalar.anySimd());
        assertThrows(IllegalArgumentException.class, () -> KernelChoice.afterWarmUp(-1));
    }
}
