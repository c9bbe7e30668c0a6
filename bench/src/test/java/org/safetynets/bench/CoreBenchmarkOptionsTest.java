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

    @Test
    void aModelFileReplacesTheDemoCnn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        assertTrue(CoreBenchmark.Options.parse(new String[0]).network().description().startsWith("Demo CNN"));
        java.nio.file.Path file = dir.resolve("demo.snm");
        org.safetynets.model.Model demo = org.safetynets.model.DemoNetwork.build(3);
        java.nio.file.Files.write(file, org.safetynets.model.ModelCodec.encode(demo));
        BenchNetwork network = CoreBenchmark.Options.parse(new String[] {"--model", file.toString()}).network();
        assertEquals(demo.name(), network.model().name());
        long[][] batch = network.inputs().apply(4);
        assertEquals(4, batch.length);
        for (long[] sample : batch) {
            for (long x : sample) assertTrue(x >= demo.inputMin() && x <= demo.inputMax(), "input " + x + " outside the model's range");
        }
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> CoreBenchmark.Options.parse(new String[] {"--model", dir.resolve("absent.snm").toString()}));
        assertTrue(missing.getMessage().startsWith("--model: cannot read"), missing.getMessage());
        java.nio.file.Files.write(file, new byte[] {1, 2, 3});
        IllegalArgumentException malformed = assertThrows(IllegalArgumentException.class,
                () -> CoreBenchmark.Options.parse(new String[] {"--model", file.toString()}));
        assertTrue(malformed.getMessage().startsWith("--model: "), malformed.getMessage());
    }
}
