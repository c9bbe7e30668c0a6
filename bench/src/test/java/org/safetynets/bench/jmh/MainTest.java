package org.safetynets.bench.jmh;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmarks jar fills in every available backend, and leaves an explicit choice alone. */
class MainTest {
    @Test
    void addsEveryAvailableBackendWhenNoneIsNamed() {
        List<String> skipped = new ArrayList<>();
        String[] args = Main.withBackends(new String[] {"MatmulBenchmark", "-f", "1"}, skipped::add);
        String joined = String.join(" ", args);
        assertTrue(joined.startsWith("MatmulBenchmark -f 1 -p backend="), joined);
        assertTrue(List.of(joined.substring(joined.indexOf("backend=") + "backend=".length()).split(",")).contains("cpu"), joined);
        for (String line : skipped) assertTrue(line.startsWith("# backend ") && line.contains(" skipped: "), line);
    }

    @Test
    void keepsAnExplicitBackendChoice() {
        String[] args = {"-p", "backend=opencl", "ProverKernelsBenchmark"};
        assertArrayEquals(args, Main.withBackends(args, line -> { }));
    }
}
