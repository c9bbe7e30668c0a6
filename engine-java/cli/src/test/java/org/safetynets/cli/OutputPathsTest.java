package org.safetynets.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.safetynets.files.SpecialFiles.fifo;
import static org.safetynets.files.SpecialFiles.isSpecial;

/**
 * Every command that writes checks its output paths first: a directory, a device, a FIFO or a symbolic link is
 * one line naming it and exit 2, before any work, and is left as it was.
 */
class OutputPathsTest {
    @TempDir
    static Path saved;

    @BeforeAll
    static void save() {
        Cli demo = Cli.run("demo", "--model", "random", "--seed", "5", "--batch", "1", "--backend", "cpu", "--threads", "1", "--save", saved.toString());
        assertEquals(Main.OK, demo.exitCode(), demo::transcript);
    }

    private static Cli prove(String... outputs) {
        String[] args = {"prove", "-M", saved.resolve("model.snm").toString(), "-D", saved.resolve("input.json").toString(), "--backend", "cpu"};
        String[] all = java.util.Arrays.copyOf(args, args.length + outputs.length);
        System.arraycopy(outputs, 0, all, args.length, outputs.length);
        return Cli.run(all);
    }

    /** Exit 2, nothing on stdout (no work was reported), one error line naming {@code path} and saying {@code why}. */
    private static void assertRefused(Cli run, Path path, String why) {
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals("", run.out(), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
        assertTrue(run.err().startsWith("error: " + path + ": " + why), run::transcript);
    }

    private static final String SPECIAL = "is not a regular file (a device, FIFO or socket); refusing to replace it";
    private static final String LINK = "is a symbolic link; refusing to replace it";

    @Test
    void proveRefusesAFifoAsTheProofAndLeavesItAFifo(@TempDir Path work) throws Exception {
        Path proof = fifo(work.resolve("proof.bin"));
        assertRefused(prove("-O", proof.toString()), proof, SPECIAL);
        assertTrue(isSpecial(proof));
        try (var files = Files.list(work)) {
            assertEquals(1, files.count(), "nothing else is written");
        }
    }

    @Test
    void proveRefusesAFifoAsTheOutputsAndWritesNoProof(@TempDir Path work) throws Exception {
        Path outputs = fifo(work.resolve("run.outputs.json"));
        assertRefused(prove("-O", work.resolve("run.bin").toString()), outputs, SPECIAL);
        assertTrue(isSpecial(outputs));
        assertFalse(Files.exists(work.resolve("run.bin")));
    }

    @Test
    void proveRefusesASymbolicLinkAndLeavesItAndItsTarget(@TempDir Path work) throws IOException {
        Path target = Files.writeString(work.resolve("elsewhere.bin"), "keep");
        Path link = Files.createSymbolicLink(work.resolve("proof.bin"), target);
        assertRefused(prove("-O", link.toString()), link, LINK);
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("keep", Files.readString(target));
        Path outputsLink = Files.createSymbolicLink(work.resolve("out.json"), target);
        assertRefused(prove("-O", work.resolve("p.bin").toString(), "--outputs", outputsLink.toString()), outputsLink, LINK);
        assertEquals("keep", Files.readString(target));
    }

    @Test
    void proveRefusesTheDevicesOfThisMachineWhereARegressionCouldNotReplaceThem() {
        // Run as root, a regression would rename a file over /dev/full: only where /dev is not writable.
        // OutputFilesTest checks the devices everywhere without writing.
        assumeFalse(Files.isWritable(Path.of("/dev")), "/dev is writable here");
        for (String device : new String[] {"/dev/full", "/dev/null"}) {
            Path path = Path.of(device);
            if (!isSpecial(path)) continue;
            assertRefused(prove("-O", device, "--outputs", saved.resolve("device.outputs.json").toString()), path, SPECIAL);
            assertTrue(isSpecial(path));
        }
    }

    @Test
    void proveRefusesADirectoryAndTheSameFileTwice(@TempDir Path work) {
        assertRefused(prove("-O", work.toString()), work, "is a directory, not a file");
        Path proof = work.resolve("proof.bin");
        assertRefused(prove("-O", proof.toString(), "--outputs", proof.toString()), proof, "is named for two outputs");
    }

    /**
     * Red-team find: an output naming one of the command's own inputs replaced it (the model became the proof), and
     * two outputs reached through a symbolic link to their directory overwrote each other while prove reported both.
     */
    @Test
    void outputsThatAreTheCommandsInputsOrEachOtherThroughALinkAreRefused(@TempDir Path work) throws IOException {
        Path model = Files.copy(saved.resolve("model.snm"), work.resolve("model.snm"));
        Path input = Files.copy(saved.resolve("input.json"), work.resolve("input.json"));
        byte[] modelBytes = Files.readAllBytes(model);
        String[] common = {"prove", "-M", model.toString(), "-D", input.toString(), "--backend", "cpu"};
        for (Path victim : new Path[] {model, input}) {
            Cli run = Cli.run(concat(common, "-O", victim.toString()));
            assertRefused(run, victim, "is also an input of this command (" + victim + ")");
        }
        Path viaDotDot = work.resolve("sub/../model.snm");
        Files.createDirectories(work.resolve("sub"));
        assertRefused(Cli.run(concat(common, "-O", work.resolve("p.bin").toString(), "--outputs", viaDotDot.toString())), viaDotDot,
                "is also an input of this command");
        assertArrayEquals(modelBytes, Files.readAllBytes(model));
        Path link = Files.createSymbolicLink(work.resolve("linkdir"), work);
        Path outputs = link.resolve("p.bin");
        assertRefused(Cli.run(concat(common, "-O", work.resolve("p.bin").toString(), "--outputs", outputs.toString())), outputs,
                "is named for two outputs");
        assertFalse(Files.exists(work.resolve("p.bin")), "nothing is written");
        Path proof = Files.copy(saved.resolve("proof.bin"), work.resolve("proof.bin"));
        Cli verify = Cli.run("verify", "-M", model.toString(), "-D", input.toString(), "-P", proof.toString(), "--outputs", proof.toString());
        assertRefused(verify, proof, "is also an input of this command");
        assertArrayEquals(Files.readAllBytes(saved.resolve("proof.bin")), Files.readAllBytes(proof));
    }

    private static String[] concat(String[] head, String... tail) {
        String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    @Test
    void quantizeChecksItsOutputBeforeReadingAnything(@TempDir Path work) throws Exception {
        Path out = fifo(work.resolve("model.snm"));
        // The float model does not exist: the output is refused first, not after minutes of search.
        Cli quantize = Cli.run("quantize", "--model", work.resolve("missing.onnx").toString(), "--out", out.toString(),
                "--data", work.toString());
        assertRefused(quantize, out, SPECIAL);
        assertTrue(isSpecial(out));
        Cli intoDirectory = Cli.run("quantize", "--model", work.resolve("missing.onnx").toString(), "--out", work.toString());
        assertRefused(intoDirectory, work, "is a directory, not a file");
    }

    @Test
    void demoChecksTheSaveDirectoryAndItsFilesBeforeRunning(@TempDir Path work) throws Exception {
        Path proof = fifo(work.resolve(Artifacts.PROOF_FILE));
        Cli demo = Cli.run("demo", "--model", "random", "--batch", "1", "--backend", "cpu", "--save", work.toString());
        assertRefused(demo, proof, SPECIAL);
        assertTrue(isSpecial(proof));
        assertFalse(Files.exists(work.resolve(Artifacts.MODEL_FILE)), "nothing is saved");
        Path file = Files.writeString(work.resolve("file"), "x");
        assertRefused(Cli.run("demo", "--model", "random", "--batch", "1", "--backend", "cpu", "--save", file.toString()), file,
                "is not a directory");
    }

    @Test
    void benchCompareChecksItsFilesBeforeTheRuns(@TempDir Path work) throws IOException {
        Path target = Files.writeString(work.resolve("elsewhere.csv"), "keep");
        Path csv = Files.createSymbolicLink(Files.createDirectories(work.resolve("results")).resolve(CompareCommand.CSV_FILE), target);
        Cli run = Cli.run("bench", "compare", "--workloads", "matmul", "--matrix-size", "8", "--batches", "1", "--runs", "1",
                "--warmup", "0", "--warmup-time", "0", "--backends", "cpu", "--out", work.resolve("results").toString());
        assertRefused(run, csv, LINK);
        assertTrue(Files.isSymbolicLink(csv));
        assertEquals("keep", Files.readString(target));
    }
}
