package org.safetynets.bench.compare;

import org.junit.jupiter.api.Test;
import org.safetynets.MalformedInput;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WarmUpTest {
    private static CompareOptions options(int warmup, double seconds) {
        return new CompareOptions(List.of(1), 1, warmup, seconds, List.of(), List.of(new Workload.MatrixProduct(4)), 1);
    }

    @Test
    void aCountAloneEndsAfterThatManyRuns() {
        WarmUp warmUp = new WarmUp(options(2, 0));
        assertTrue(warmUp.warming());
        warmUp.ranOne();
        assertTrue(warmUp.warming());
        warmUp.ranOne();
        assertFalse(warmUp.warming());
        assertEquals(2, warmUp.done());
        assertFalse(new WarmUp(options(0, 0)).warming(), "no warm-up at all");
    }

    @Test
    void aTimeKeepsWarmingAfterTheCountUntilItHasPassed() throws InterruptedException {
        WarmUp warmUp = new WarmUp(options(1, 0.02));
        warmUp.ranOne();
        long start = System.nanoTime();
        boolean warmingEarly = warmUp.warming();
        // the 20 ms cannot have passed unless this thread was held up that long: then there is nothing to check
        if (System.nanoTime() - start < 10_000_000L) assertTrue(warmingEarly, "the count is met, the time is not");
        Thread.sleep(30);
        assertFalse(warmUp.warming(), "both met");
    }

    @Test
    void aNegativeOrHugeTimeIsRefused() {
        assertThrows(MalformedInput.class, () -> options(0, -1));
        assertThrows(MalformedInput.class, () -> options(0, Double.NaN));
        assertThrows(MalformedInput.class, () -> options(0, 3601));
    }

    @Test
    void aRuleRefusesANegativeCountOrAnOutOfRangeTime() {
        assertEquals("warm-up of at least 3 runs and 2.5 s", new WarmUp.Rule(3, 2.5).describe());
        assertThrows(IllegalArgumentException.class, () -> new WarmUp.Rule(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> new WarmUp.Rule(0, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new WarmUp.Rule(0, Double.NaN));
    }

    @Test
    void theCompareOptionsGiveTheSameRule() {
        assertEquals(new WarmUp.Rule(4, 1.5), WarmUp.rule(options(4, 1.5)));
    }
}
