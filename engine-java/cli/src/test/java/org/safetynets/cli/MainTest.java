package org.safetynets.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands end to end, in-process: one small demo run of the random demo CNN saves its files, and the other
 * tests verify, prove, inspect and break them. DemoTest covers the demo on the shipped trained model.
 */
class MainTest {
    private static final String SEED = "7";
    private static final String BATCH = "3";

    @TempDir
    static Path saved;

    private static Cli demo;

    @BeforeAll
    static void runDemo() {
        demo = Cli.run("demo", "--model", "random", "--seed", SEED, "--batch", BATCH, "--backend", "cpu", "--threads", "2", "--save", saved.toString());
    }

    @Test
    void demoAcceptsTheHonestProofAndRejectsTheTamperedOne() {
        assertEquals(Main.OK, demo.exitCode(), demo::transcript);
        assertTrue(demo.out().contains("honest proof (Fiat-Shamir): ACCEPT"), demo::transcript);
        assertTrue(demo.out().contains("tampered proof (sample 0 output 0 raised by 1): REJECT: "), demo::transcript);
        String[] rows = {"field inference", "prover", "verifier", "proof size", "prover / inference", "inference / verifier"};
        for (String row : rows) {
            assertTrue(demo.out().contains(row), () -> row + " missing\n" + demo.transcript());
        }
        for (String file : new String[] {"model.snm", "input.json", "proof.bin", "proof.outputs.json"}) {
            assertTrue(Files.isRegularFile(saved.resolve(file)), file);
        }
    }

    /** Red-team find: a host's label with an escape sequence erased the REJECT line and printed a fake ACCEPT. */
    @Test
    void oneLineShowsControlCharactersEscaped() {
        String hostile = "expected 'sumcheck.round', the host sent '\u001b[2K\u001b[1GACCEPT\u001b[8m'\r\nmore\there\u0085";
        assertEquals("expected 'sumcheck.round', the host sent '\\u001b[2K\\u001b[1GACCEPT\\u001b[8m' more\\u0009here\\u0085", Main.oneLine(hostile));
        assertEquals("plain ünïcode stays", Main.oneLine("plain ünïcode stays"));
    }

    /** A command that runs out of heap ends with one line naming the heap and how to grow it: no stack trace. */
    @Test
    void runningOutOfMemoryIsOneLineNotAStackTrace() {
        @picocli.CommandLine.Command(name = "greedy")
        class Greedy implements java.util.concurrent.Callable<Integer> {
            @Override
            public Integer call() {
                throw new OutOfMemoryError("Java heap space");
            }
        }
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int status = Main.execute(new picocli.CommandLine(new Greedy()), (e, commandLine, parseResult) -> Main.internalError(e, commandLine.getErr()),
                new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        assertEquals(Main.ERROR, status);
        assertTrue(err.toString().startsWith("error: out of memory: Java heap space (the JVM's heap is "), err.toString());
        assertTrue(err.toString().contains("SAFETYNETS_JAVA_OPTS=-Xmx"), err.toString());
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
    }

    @Test
    void verifyAcceptsTheSavedFiles() {
        Cli verify = verify(saved.resolve("proof.bin"));
        assertEquals(Main.OK, verify.exitCode(), verify::transcript);
        assertTrue(verify.out().startsWith("ACCEPT"), verify::transcript);
        assertTrue(verify.out().contains("argmax"), verify::transcript);
        assertEquals("", verify.err(), verify::transcript);
    }

    @Test
    void verifyRejectsAProofWithOneByteChanged(@TempDir Path work) throws IOException {
        byte[] proof = Files.readAllBytes(saved.resolve("proof.bin"));
        proof[proof.length - 20] ^= 0x01; // a bit of the last messages, in the body
        Path tampered = Files.write(work.resolve("proof.bin"), proof);
        Cli verify = verify(tampered);
        assertEquals(Main.REJECTED, verify.exitCode(), verify::transcript);
        assertTrue(verify.out().startsWith("REJECT: "), verify::transcript);
    }

    @Test
    void verifyRejectsATruncatedProof(@TempDir Path work) throws IOException {
        byte[] proof = Files.readAllBytes(saved.resolve("proof.bin"));
        Path truncated = Files.write(work.resolve("proof.bin"), Arrays.copyOf(proof, proof.length - 100));
        Cli verify = verify(truncated);
        assertEquals(Main.REJECTED, verify.exitCode(), verify::transcript);
        assertTrue(verify.out().startsWith("REJECT: "), verify::transcript);
        assertTrue(verify.out().contains("truncated"), verify::transcript);
    }

    @Test
    void aMissingFileIsOneLineAndExitTwo() {
        Cli verify = Cli.run("verify", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(),
                "-P", saved.resolve("no-such-proof.bin").toString());
        assertEquals(Main.ERROR, verify.exitCode(), verify::transcript);
        assertEquals("", verify.out(), verify::transcript);
        assertTrue(verify.err().startsWith("error: ") && verify.err().contains("no-such-proof.bin"), verify::transcript);
        assertEquals(1, verify.err().lines().count(), verify::transcript);
        assertNoStackTrace(verify);
    }

    @Test
    void malformedInputJsonIsOneLineAndExitTwo(@TempDir Path work) throws IOException {
        Path input = Files.writeString(work.resolve("input.json"), "{\"input_data\": [[0, 1, 2,,]]}");
        Cli verify = Cli.run("verify", "-M", saved.resolve("model.snm").toString(), "-D", input.toString(),
                "-P", saved.resolve("proof.bin").toString());
        assertEquals(Main.ERROR, verify.exitCode(), verify::transcript);
        assertTrue(verify.err().startsWith("error: " + input + ": invalid JSON"), verify::transcript);
        assertEquals(1, verify.err().lines().count(), verify::transcript);
        assertNoStackTrace(verify);
    }

    @Test
    void aModelThatIsNotAModelIsExitTwo(@TempDir Path work) throws IOException {
        Path model = Files.writeString(work.resolve("model.snm"), "hello");
        Cli inspect = Cli.run("inspect", "-M", model.toString());
        assertEquals(Main.ERROR, inspect.exitCode(), inspect::transcript);
        assertTrue(inspect.err().startsWith("error: " + model + ": "), inspect::transcript);
        assertNoStackTrace(inspect);
    }

    @Test
    void theSameSeedGivesTheSameBytes(@TempDir Path again) throws IOException {
        Cli second = Cli.run("demo", "--model", "random", "--seed", SEED, "--batch", BATCH, "--backend", "cpu", "--save", again.toString());
        assertEquals(Main.OK, second.exitCode(), second::transcript);
        for (String file : new String[] {"model.snm", "input.json", "proof.bin", "proof.outputs.json"}) {
            assertArrayEquals(Files.readAllBytes(saved.resolve(file)), Files.readAllBytes(again.resolve(file)), file);
        }
    }

    @Test
    void proveWritesTheSameProofAndOutputsAsTheDemo(@TempDir Path work) throws IOException {
        Path proof = work.resolve("proof.bin");
        Cli prove = Cli.run("prove", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(),
                "-O", proof.toString(), "--backend", "cpu");
        assertEquals(Main.OK, prove.exitCode(), prove::transcript);
        assertArrayEquals(Files.readAllBytes(saved.resolve("proof.bin")), Files.readAllBytes(proof));
        assertArrayEquals(Files.readAllBytes(saved.resolve("proof.outputs.json")), Files.readAllBytes(work.resolve("proof.outputs.json")));
        try (var leftovers = Files.list(work)) {
            assertEquals(2, leftovers.count(), "no temporary files are left behind");
        }
    }

    @Test
    void proveWritesNothingWhenTheInputIsOutOfRange(@TempDir Path work) throws IOException {
        String json = Files.readString(saved.resolve("input.json"), StandardCharsets.UTF_8);
        Path input = Files.writeString(work.resolve("input.json"), json.replaceFirst("\\[\\d+", "[9"));
        Path proof = work.resolve("proof.bin");
        Cli prove = Cli.run("prove", "-M", saved.resolve("model.snm").toString(), "-D", input.toString(), "-O", proof.toString());
        assertEquals(Main.ERROR, prove.exitCode(), prove::transcript);
        assertTrue(prove.err().contains("sample 0 value 0 is 9, outside the model's input range [0, 3]"), prove::transcript);
        assertFalse(Files.exists(proof));
        assertFalse(Files.exists(work.resolve("proof.outputs.json")));
    }

    @Test
    void inspectShowsLayersDigestAndHeadroom() {
        Cli inspect = Cli.run("inspect", "-M", saved.resolve("model.snm").toString());
        assertEquals(Main.OK, inspect.exitCode(), inspect::transcript);
        assertTrue(inspect.out().contains("demo-cnn-seed" + SEED), inspect::transcript);
        assertTrue(inspect.out().contains("sha256:"), inspect::transcript);
        assertTrue(inspect.out().contains("headroom"), inspect::transcript);
        assertTrue(inspect.out().contains("dense 784 -> 10"), inspect::transcript);
    }

    @Test
    void inspectRefusesBatchZeroBeforePrintingAnything() {
        Cli inspect = Cli.run("inspect", "-M", saved.resolve("model.snm").toString(), "--batch", "0");
        assertEquals(Main.ERROR, inspect.exitCode(), inspect::transcript);
        assertEquals("", inspect.out(), inspect::transcript);
        assertEquals("error: --batch: must be at least 1, got 0", inspect.err().strip(), inspect::transcript);
    }

    @Test
    void backendsListsTheCpuBackend() {
        Cli backends = Cli.run("backends");
        assertEquals(Main.OK, backends.exitCode(), backends::transcript);
        assertTrue(backends.out().lines().anyMatch(line -> line.startsWith("cpu ") && line.contains("available")), backends::transcript);
        assertTrue(backends.out().contains("auto picks "), backends::transcript);
    }

    /**
     * The OpenCL backend is on the CLI's class path: `backends` shows it available with the device it uses, or
     * unavailable with the reason, never a crash; where it is available the demo runs on it and its proof verifies
     * like the CPU backend's. CI (SAFETYNETS_REQUIRE_OPENCL=1, POCL installed) requires it available.
     */
    @Test
    void backendsListsOpenClAndTheDemoRunsOnItWhereAvailable() {
        Cli backends = Cli.run("backends");
        assertEquals(Main.OK, backends.exitCode(), backends::transcript);
        String line = backends.out().lines().filter(l -> l.startsWith("opencl ")).findFirst().orElse("");
        // Priority 20 on a GPU, 110 (after the CPU backend) on a CPU device such as POCL.
        boolean available = line.matches("opencl\\s+(20|110)\\s+available");
        assertTrue(available || line.matches("opencl\\s+\\d+\\s+unavailable: .+"), backends::transcript);
        if ("1".equals(System.getenv("SAFETYNETS_REQUIRE_OPENCL"))) assertTrue(available, backends::transcript);
        if (!available) return;
        assertTrue(backends.out().contains("opencl devices:"), backends::transcript);
        assertTrue(backends.out().lines().anyMatch(l -> l.startsWith("  device ") && l.endsWith(": used")), backends::transcript);
        boolean gpu = line.matches("opencl\\s+20\\s+available");
        assertTrue(backends.out().contains(gpu ? "auto picks opencl: opencl: " : "auto picks cpu: cpu: "), backends::transcript);
        Cli onOpenCl = Cli.run("demo", "--seed", SEED, "--batch", BATCH, "--backend", "opencl");
        assertEquals(Main.OK, onOpenCl.exitCode(), onOpenCl::transcript);
        assertTrue(onOpenCl.out().contains("honest proof (Fiat-Shamir): ACCEPT"), onOpenCl::transcript);
        assertNoStackTrace(onOpenCl);
    }

    @Test
    void anUnknownBackendIsOneLineNamingTheAvailableOnes() {
        Cli run = Cli.run("demo", "--batch", "1", "--backend", "tpu");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertTrue(run.err().startsWith("error: unknown backend 'tpu'") && run.err().contains("cpu"), run::transcript);
        assertNoStackTrace(run);
    }

    @Test
    void helpAndVersion() {
        Cli help = Cli.run("--help");
        assertEquals(Main.OK, help.exitCode(), help::transcript);
        for (String command : new String[] {"prove", "verify", "demo", "backends", "inspect"}) {
            assertTrue(help.out().contains(command), help::transcript);
            Cli commandHelp = Cli.run(command, "--help");
            assertEquals(Main.OK, commandHelp.exitCode(), commandHelp::transcript);
        }
        Cli version = Cli.run("--version");
        assertEquals(Main.OK, version.exitCode(), version::transcript);
        assertTrue(version.out().startsWith("safetynets "), version::transcript);
    }

    private static Cli verify(Path proof) {
        return Cli.run("verify", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(),
                "-P", proof.toString());
    }

    private static void assertNoStackTrace(Cli run) {
        assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"), run::transcript);
    }
}
