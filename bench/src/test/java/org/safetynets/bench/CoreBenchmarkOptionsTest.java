package org.safetynets.bench;

import org.junit.jupiter.api.Test;
import org.safetynets.bench.compare.WarmUp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoreBenchmarkOptionsTest {
    @Test
    void theWarmUpIsACountAndATime() {
        assertEquals(new WarmUp.Rule(3, 3), CoreBenchmark.Options.parse(new String[0]).warmUp());
        assertEquals(new WarmUp.Rule(7, 0.5),
                CoreBenchmark.Options.parse(new String[] {"--warmup", "7", "--warmup-time", "0.5"}).warmUp());
        assertEquals(new WarmUp.Rule(0, 0), CoreBenchmark.Options.parse(new String[] {"--warmup", "0", "--warmup-time", "0"}).warmUp());
    }

    @Test
    void aBadWarmUpTimeIsNamed() {
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> CoreBenchmark.Options.parse(new String[] {"--warmup-time", "soon"}));
        assertTrue(text.getMessage().contains("--warmup-time takes seconds, got 'soon'"), text.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> CoreBenchmark.Options.parse(new String[] {"--warmup-time", "-1"}));
        assertTrue(negative.getMessage().contains("--warmup-time must be in 0..3600 seconds"), negative.getMessage());
    }
}
