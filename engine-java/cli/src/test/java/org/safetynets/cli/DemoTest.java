package org.safetynets.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.backend.ReferenceBackend;
import org.safetynets.data.IdxFixtures;
import org.safetynets.data.LabeledImages;
import org.safetynets.data.MnistData;
import org.safetynets.data.Pixels;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code demo} on the shipped trained model: real test digits and their accuracy, checked here against the saved
 * files through the library alone; synthetic inputs when no data is found; errors for a named directory that is
 * not MNIST. The random demo CNN ({@code --model random}) keeps its seeded bytes. MainTest covers the rest.
 */
class DemoTest {
    private static final long SEED = 5;
    private static final int BATCH = 8;

    @TempDir
    static Path saved;

    private static Path mnist;
    private static Cli demo;

    /** Once for the tests on real digits; where no MNIST copy is found (a user's clone), those tests skip and the others run. */
    @BeforeAll
    static void runDemoOnRealDigits() {
        Optional<Path> found = MnistData.Lookup.system().locate().filter(Files::isDirectory);
        if (found.isEmpty()) return;
        mnist = found.get();
        demo = Cli.run("demo", "--seed", Long.toString(SEED), "--batch", Integer.toString(BATCH), "--backend", "cpu", "--threads", "2",
                "--save", saved.toString());
    }

    @Test
    void theShippedModelProvesRealDigitsAndReportsTheirVerifiedAccuracy() throws IOException {
        assumeRealDigits();
        assertEquals(Main.OK, demo.exitCode(), demo::transcript);
        String first = demo.out().lines().findFirst().orElse("");
        assertTrue(first.contains("(trained, shipped in the jar)") && first.contains("batch " + BATCH + " of MNIST test digits from " + mnist),
                demo::transcript);
        assertTrue(demo.out().contains("honest proof (Fiat-Shamir): ACCEPT"), demo::transcript);
        assertTrue(demo.out().contains("tampered proof (sample 0 output 0 raised by 1): REJECT: "), demo::transcript);
        assertTrue(demo.out().contains("soundness error: "), demo::transcript);

        // The saved model is the shipped resource, byte for byte (the encoding is canonical).
        Model model = ModelCodec.decode(shippedBytes(), "resource");
        assertArrayEquals(shippedBytes(), Files.readAllBytes(saved.resolve(Artifacts.MODEL_FILE)));

        // The saved inputs are the pixel levels of the test images the seed picks, in that order.
        LabeledImages test = new MnistData(mnist).test();
        LabeledImages picked = test.pick(DemoBatch.pick(SEED, BATCH, test.count()));
        long[][] samples = TensorJson.readInputs(Files.readAllBytes(saved.resolve(Artifacts.INPUT_FILE)), "input.json", model);
        assertArrayEquals(Pixels.levels(picked, 0, BATCH, model.inputMax()), samples);

        // The accuracy printed is that of the outputs the saved proof establishes, recounted here.
        Verdict verdict = Verifier.verify(model, samples, Files.readAllBytes(saved.resolve(Artifacts.PROOF_FILE)));
        long[][] outputs = assertInstanceOf(Verdict.Accepted.class, verdict).outputs();
        int correct = 0;
        for (int i = 0; i < BATCH; i++) {
            int best = 0;
            for (int j = 1; j < outputs[i].length; j++) if (outputs[i][j] > outputs[i][best]) best = j;
            if (best == picked.label(i)) correct++;
        }
        String expected = String.format(Locale.ROOT, "accuracy on these %d test digits: %d/%d (%.1f%%)", BATCH, correct, BATCH, 100.0 * correct / BATCH);
        assertTrue(demo.out().contains(expected), () -> "expected " + expected + "\n" + demo.transcript());
    }

    @Test
    void verifyAcceptsWhatTheShippedModelDemoSaved() {
        assumeRealDigits();
        Cli verify = Cli.run("verify", "-M", saved.resolve(Artifacts.MODEL_FILE).toString(), "-D", saved.resolve(Artifacts.INPUT_FILE).toString(),
                "-P", saved.resolve(Artifacts.PROOF_FILE).toString());
        assertEquals(Main.OK, verify.exitCode(), verify::transcript);
        assertTrue(verify.out().startsWith("ACCEPT"), verify::transcript);
    }

    @Test
    void anEmptyDataDirectoryIsOneLineAndExitTwo(@TempDir Path empty) {
        Cli run = Cli.run("demo", "--data", empty.toString(), "--batch", "2", "--backend", "cpu");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals("", run.out(), run::transcript);
        assertTrue(run.err().startsWith("error: " + empty.resolve("t10k-images-idx3-ubyte.gz") + ": no such file"), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
    }

    @Test
    void aMissingDataDirectoryIsOneLineAndExitTwo(@TempDir Path work) {
        Path missing = work.resolve("no-such-dir");
        Cli run = Cli.run("demo", "--data", missing.toString(), "--batch", "2", "--backend", "cpu");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals("error: " + missing + ": is not a directory (expected the MNIST idx files)", run.err().strip(), run::transcript);
    }

    /** Found nowhere (an empty environment, a working directory in an empty file system): synthetic inputs, said first. */
    @Test
    void withoutDataTheShippedModelProvesSyntheticInputsAndSaysSo(@TempDir Path work) throws IOException {
        Cli run;
        try (FileSystem empty = IdxFixtures.emptyFileSystem(work)) {
            MnistData.Lookup nowhere = new MnistData.Lookup(Map.of(), empty.getPath("/home/user/safetynets"));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.execute(nowhere, new PrintWriter(out), new PrintWriter(err), "demo", "--batch", "2", "--backend", "cpu");
            run = new Cli(exit, out.toString(), err.toString());
        }
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        String[] lines = run.out().lines().limit(2).toArray(String[]::new);
        assertTrue(lines[0].contains("batch 2 of SYNTHETIC inputs, not digits"), run::transcript);
        assertTrue(lines[1].contains("no MNIST test images found: pass --data DIR or set SAFETYNETS_MNIST"), run::transcript);
        assertTrue(run.out().contains("honest proof (Fiat-Shamir): ACCEPT"), run::transcript);
        assertTrue(run.out().contains("tampered proof (sample 0 output 0 raised by 1): REJECT: "), run::transcript);
        assertFalse(run.out().contains("accuracy on"), run::transcript);
    }

    /** The random demo CNN: same seed, same bytes, and those are the library's own proof of the seeded model and inputs. */
    @Test
    void theRandomModelKeepsItsSeededBytes(@TempDir Path first, @TempDir Path second) throws IOException {
        for (Path dir : new Path[] {first, second}) {
            Cli run = Cli.run("demo", "--model", "random", "--seed", "3", "--batch", "2", "--backend", "cpu", "--save", dir.toString());
            assertEquals(Main.OK, run.exitCode(), run::transcript);
            assertTrue(run.out().startsWith("demo: demo-cnn-seed3, 1x28x28 -> 10x1x1, batch 2 of random inputs (seed 3)"), run::transcript);
        }
        for (String file : new String[] {Artifacts.MODEL_FILE, Artifacts.INPUT_FILE, Artifacts.PROOF_FILE, Artifacts.OUTPUT_FILE}) {
            assertArrayEquals(Files.readAllBytes(first.resolve(file)), Files.readAllBytes(second.resolve(file)), file);
        }
        Model model = DemoNetwork.build(3);
        assertArrayEquals(ModelCodec.encode(model), Files.readAllBytes(first.resolve(Artifacts.MODEL_FILE)));
        try (ReferenceBackend reference = new ReferenceBackend()) { // every backend gives the same bytes
            assertArrayEquals(ProofCodec.encode(Prover.prove(model, DemoNetwork.inputs(3, 2), reference)),
                    Files.readAllBytes(first.resolve(Artifacts.PROOF_FILE)));
        }
    }

    @Test
    void theRandomModelRefusesData(@TempDir Path dir) {
        Cli run = Cli.run("demo", "--model", "random", "--data", dir.toString(), "--batch", "1");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertTrue(run.err().startsWith("error: --data: the random demo model takes random inputs"), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
    }

    private static void assumeRealDigits() {
        Assumptions.assumeTrue(mnist != null, "no MNIST copy found ($" + MnistData.ENVIRONMENT_VARIABLE
                + " or shared/data/mnist from the working directory upwards): the demo on real digits is not tested here");
    }

    private static byte[] shippedBytes() throws IOException {
        try (InputStream in = ShippedModel.class.getResourceAsStream(ShippedModel.RESOURCE)) {
            assertTrue(in != null, "the shipped model is on the class path");
            return in.readAllBytes();
        }
    }
}
