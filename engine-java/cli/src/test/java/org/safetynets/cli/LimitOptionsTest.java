package org.safetynets.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each limit option on each command: at the limit the command succeeds, one over it prints one line naming the
 * limit, the value and the option, and exits 2 (verify included: a proof over a limit is not checked, so it is
 * neither ACCEPT nor REJECT). The figures are those of the random demo CNN (demo --model random).
 */
class LimitOptionsTest {
    @TempDir
    static Path saved;

    private static long proofBytes;

    @BeforeAll
    static void save() throws Exception {
        Cli demo = Cli.run("demo", "--model", "random", "--seed", "3", "--batch", "3", "--backend", "cpu", "--threads", "1", "--save", saved.toString());
        assertEquals(Main.OK, demo.exitCode(), demo::transcript);
        proofBytes = Files.size(saved.resolve("proof.bin"));
    }

    private static Cli verify(String... limits) {
        String[] args = {"verify", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(),
            "-P", saved.resolve("proof.bin").toString()};
        return Cli.run(concat(args, limits));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertRefused(Cli run, String expected, String option) {
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals("", run.out(), run::transcript);
        String[] lines = run.err().strip().split("\n");
        assertEquals(1, lines.length, run::transcript);
        assertTrue(lines[0].startsWith("error: "), run::transcript);
        assertTrue(lines[0].contains(expected), run::transcript);
        assertTrue(lines[0].endsWith("(raise it with " + option + ")"), run::transcript);
        assertFalse(run.err().contains("Exception"), run::transcript);
    }

    @Test
    void verifyMaxProofBytes() {
        assertEquals(Main.OK, verify("--max-proof-bytes", Long.toString(proofBytes)).exitCode());
        assertRefused(verify("--max-proof-bytes", Long.toString(proofBytes - 1)),
                "proof.bin: proof of " + proofBytes + " bytes exceeds the limit max-proof-bytes = " + (proofBytes - 1), "--max-proof-bytes");
    }

    @Test
    void verifyAndProveMaxBatch() {
        assertEquals(Main.OK, verify("--max-batch", "3").exitCode());
        assertRefused(verify("--max-batch", "2"), "input.json: batch of 3 samples exceeds the limit max-batch = 2", "--max-batch");
        Cli prove = Cli.run("prove", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(),
                "-O", saved.resolve("again/proof.bin").toString(), "--backend", "cpu", "--max-batch", "2");
        assertRefused(prove, "batch of 3 samples exceeds the limit max-batch = 2", "--max-batch");
        assertFalse(Files.exists(saved.resolve("again")), "nothing is written");
    }

    @Test
    void maxTensorElementsOnEveryCommand() {
        // The demo model has 11,274 parameters, held padded to powers of two as 8 x (64 + 1) + 16 x (8 x 64 + 1)
        // + 16 x (1024 + 1) = 25,128 elements; its first conv's padded output is 8 x 32 x 32 = 8192 per sample.
        assertRefused(Cli.run("inspect", "-M", saved.resolve("model.snm").toString(), "--max-tensor-elements", "11273"),
                "parameters through layer 8 of 11274 elements exceeds the limit max-tensor-elements = 11273", "--max-tensor-elements");
        assertRefused(Cli.run("inspect", "-M", saved.resolve("model.snm").toString(), "--max-tensor-elements", "25127"),
                "the weights padded to powers of two of 25128 elements exceeds the limit max-tensor-elements = 25127", "--max-tensor-elements");
        // (at batch 1: inspect's default batch of 64 needs 8192 x 64 elements for the first conv's output)
        assertEquals(Main.OK, Cli.run("inspect", "-M", saved.resolve("model.snm").toString(), "--batch", "1", "--max-tensor-elements", "25128").exitCode());
        // Batch 3 pads to 4: 8192 x 4 = 32768 elements for the prover's largest activation.
        assertRefused(verify("--max-tensor-elements", "32767"), "layer 1's padded output for a batch of 3 of 32768 elements", "--max-tensor-elements");
        assertEquals(Main.OK, verify("--max-tensor-elements", "32768").exitCode());
        assertRefused(Cli.run("demo", "--model", "random", "--batch", "3", "--backend", "cpu", "--max-tensor-elements", "32767"),
                "layer 1's padded output for a batch of 3 of 32768 elements", "--max-tensor-elements");
    }

    @Test
    void demoMaxBatch() {
        assertRefused(Cli.run("demo", "--batch", "70000", "--backend", "cpu"), "input: batch of 70000 samples exceeds the limit max-batch = 65536", "--max-batch");
        assertRefused(Cli.run("demo", "--batch", "5", "--backend", "cpu", "--max-batch", "4"), "batch of 5 samples", "--max-batch");
    }

    @Test
    void badLimitValuesAreUsageErrors() {
        Cli run = verify("--max-batch", "0");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertTrue(run.err().startsWith("error: --max-batch: must be at least 1, got 0"), run::transcript);
    }
}
