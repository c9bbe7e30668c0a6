package org.safetynets.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --threads}: 0 or 1 .. 4 x the processors this JVM may use; anything else is a usage error, never an internal one. */
class ThreadsOptionTest {
    private static final int MOST = 4 * Runtime.getRuntime().availableProcessors();

    private static void assertRefused(Cli run, String message) {
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
        assertEquals("error: --threads: " + message, run.err().strip(), run::transcript);
    }

    private static Cli demo(String threads) {
        return Cli.run("demo", "--model", "random", "--batch", "1", "--backend", "cpu", "--threads", threads);
    }

    @Test
    void tooManyThreadsIsAUsageErrorNamingTheCeiling() {
        String expected = "must be at most " + MOST + " (4 x the " + Runtime.getRuntime().availableProcessors()
                + " processors available), got ";
        assertRefused(demo("100000"), expected + "100000");
        assertRefused(demo(Integer.toString(MOST + 1)), expected + (MOST + 1));
        assertRefused(Cli.run("bench", "compare", "--workloads", "matmul", "--matrix-size", "8", "--batches", "1", "--runs", "1",
                "--warmup", "0", "--warmup-time", "0", "--threads", "100000", "--no-plot"), expected + "100000");
    }

    @Test
    void aNegativeCountIsAUsageError() {
        assertRefused(demo("-1"), "must be 0 (every core) or a positive count, got -1");
    }

    @Test
    void theCeilingItselfRuns() {
        Cli run = demo(Integer.toString(MOST));
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        assertTrue(run.out().contains("backend: cpu: " + MOST + " threads"), run::transcript);
    }
}
