package org.safetynets.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.safetynets.Limits;
import org.safetynets.model.Model;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Audit items 5 and 6: what a user or a script acts on is what a proof established. {@code verify --outputs}
 * writes the verified outputs, {@code --expect} rejects a host's outputs file that differs from them, {@code --json}
 * gives the verdict to scripts, and hostile proof headers are REJECTs decided before the body is read.
 */
class VerifyCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path saved;

    private static Path model;
    private static Path input;
    private static Path proof;
    private static long[][] verified;

    @BeforeAll
    static void proveOneBatch() {
        Cli demo = Cli.run("demo", "--model", "random", "--seed", "5", "--batch", "3", "--backend", "cpu", "--save", saved.toString());
        assertEquals(Main.OK, demo.exitCode(), demo::transcript);
        model = saved.resolve("model.snm");
        input = saved.resolve("input.json");
        proof = saved.resolve("proof.bin");
        Model network = Artifacts.readModel(model, Limits.DEFAULTS);
        Verdict verdict = Verifier.verify(network, Artifacts.readInputs(input, network, Limits.DEFAULTS), UserFiles.read(proof));
        verified = ((Verdict.Accepted) verdict).outputs();
    }

    private static Cli verify(Path proofFile, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("verify", "-M", model.toString(), "-D", input.toString(),
                "-P", proofFile.toString()));
        args.addAll(java.util.List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    private static Path claimedOutputs() {
        return Artifacts.defaultOutputs(proof);
    }

    @Test
    void outputsWritesEveryVerifiedOutputWithTheScaleAndArgmax(@TempDir Path work) throws IOException {
        Path written = work.resolve("verified.json");
        Cli run = verify(proof, "--outputs", written.toString());
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        JsonNode root = JSON.readTree(Files.readAllBytes(written));
        Model network = Artifacts.readModel(model, Limits.DEFAULTS);
        assertTrue(root.get("verified").asBoolean());
        assertEquals("sha256:" + Format.hex(network.digest()), root.get("model").asText());
        assertEquals(network.outputScale(), root.get("output_scale").asDouble(), 0.0);
        assertEquals(verified.length, root.get("outputs").size());
        long[] argmax = TensorJson.argmax(verified);
        for (int b = 0; b < verified.length; b++) {
            for (int f = 0; f < verified[b].length; f++) assertEquals(verified[b][f], root.get("outputs").get(b).get(f).asLong());
            assertEquals(argmax[b], root.get("argmax").get(b).asLong());
        }
    }

    @Test
    void nothingIsWrittenOnReject(@TempDir Path work) throws IOException {
        byte[] bytes = Files.readAllBytes(proof);
        bytes[bytes.length - 20] ^= 1;
        Path tampered = Files.write(work.resolve("tampered.bin"), bytes);
        Path written = work.resolve("verified.json");
        Cli run = verify(tampered, "--outputs", written.toString());
        assertEquals(Main.REJECTED, run.exitCode(), run::transcript);
        assertFalse(Files.exists(written), "verified outputs written for a rejected proof");
    }

    @Test
    void expectAcceptsTheHonestOutputsFileAndRejectsAnyChange(@TempDir Path work) throws IOException {
        Cli honest = verify(proof, "--expect", claimedOutputs().toString());
        assertEquals(Main.OK, honest.exitCode(), honest::transcript);
        String text = Files.readString(claimedOutputs());
        // The proof is honest; only the host's outputs file lies, which a user reading it would act on.
        String changedOutput = text.replaceFirst("\\[\\s*\\[(-?\\d+)", "[[" + (verified[0][0] + 1));
        Cli lie = verify(proof, "--expect", Files.writeString(work.resolve("lie.json"), changedOutput).toString());
        assertEquals(Main.REJECTED, lie.exitCode(), lie::transcript);
        assertTrue(lie.out().startsWith("REJECT: ") && lie.out().contains("sample 0 output 0 claims " + (verified[0][0] + 1)
                + "; the proof establishes " + verified[0][0]), lie::transcript);
        long wrongClass = (TensorJson.argmax(verified)[0] + 1) % verified[0].length;
        String changedArgmax = text.replaceFirst("\"argmax\": \\[\\d+", "\"argmax\": [" + wrongClass);
        Cli argmaxLie = verify(proof, "--expect", Files.writeString(work.resolve("argmax.json"), changedArgmax).toString());
        assertEquals(Main.REJECTED, argmaxLie.exitCode(), argmaxLie::transcript);
        assertTrue(argmaxLie.out().contains("sample 0 argmax claims " + wrongClass), argmaxLie::transcript);
        Cli garbage = verify(proof, "--expect", Files.writeString(work.resolve("garbage.json"), "{\"outputs\": 3}").toString());
        assertEquals(Main.REJECTED, garbage.exitCode(), garbage::transcript);
    }

    /**
     * Red-team finds: a file other programs would read otherwise than this one (a duplicated key, more after the
     * object), or one whose metadata lies, is not exactly the verified outputs. verify's own --outputs file passes.
     */
    @Test
    void expectIsStrictAboutWhatOtherProgramsWouldRead(@TempDir Path work) throws IOException {
        Model network = Artifacts.readModel(model, Limits.DEFAULTS);
        String outputs = JSON.writeValueAsString(verified);
        long[][] zeros = new long[verified.length][verified[0].length];
        String digest = "sha256:" + Format.hex(network.digest());
        String[][] lies = {
                {"{\"outputs\": " + outputs + ", \"outputs\": " + JSON.writeValueAsString(zeros) + "}", "Duplicate field 'outputs'"},
                {"{\"outputs\": " + outputs + "} {\"outputs\": [[1]]}", "has more after its JSON object"},
                {"{\"outputs\": " + outputs + "} garbage", "is not valid JSON"},
                {"{\"model\": \"sha256:" + "0".repeat(64) + "\", \"outputs\": " + outputs + "}", "names model sha256:000"},
                {"{\"model\": \"" + digest + "\", \"output_scale\": 1e9, \"outputs\": " + outputs + "}", "claims output scale 1e9"},
                {"{\"verified\": \"yes\", \"outputs\": " + outputs + "}", "\"verified\" is yes, not true or false"},
                {"{\"outputs\": " + outputs + ", \"probabilities\": [0.9]}", "has a field \"probabilities\""},
                {"{\"outputs\": " + outputs + ", \"argmax\": " + JSON.writeValueAsString(TensorJson.argmax(verified)) + ", \"argmax\": [0, 0, 0]}",
                        "Duplicate field 'argmax'"},
                {"{\"outputs\": " + outputs.substring(0, outputs.length() - 1) + ", [1]]" + "}", "claims more than 3 samples"},
                {"{\"argmax\": " + JSON.writeValueAsString(TensorJson.argmax(verified)) + "}", "has no \"outputs\" array"},
        };
        for (String[] lie : lies) {
            Cli run = verify(proof, "--expect", Files.writeString(work.resolve("lie.json"), lie[0]).toString());
            assertEquals(Main.REJECTED, run.exitCode(), run::transcript);
            assertTrue(run.out().startsWith("REJECT: ") && run.out().contains(lie[1]), () -> lie[1] + "\n" + run.transcript());
        }
        Path own = work.resolve("verified.json");
        assertEquals(Main.OK, verify(proof, "--outputs", own.toString()).exitCode());
        Cli roundTrip = verify(proof, "--expect", own.toString());
        assertEquals(Main.OK, roundTrip.exitCode(), roundTrip::transcript);
    }

    /** A host's outputs file far larger than the outputs need is a REJECT, read no further than the bound. */
    @Test
    void anOversizedClaimedOutputsFileIsARejection(@TempDir Path work) throws IOException {
        Model network = Artifacts.readModel(model, Limits.DEFAULTS);
        int cap = VerifyCommand.claimedOutputsCap(network, verified.length);
        String padded = "{\"outputs\": " + JSON.writeValueAsString(verified) + " ".repeat(cap) + "}";
        Cli run = verify(proof, "--expect", Files.writeString(work.resolve("big.json"), padded).toString());
        assertEquals(Main.REJECTED, run.exitCode(), run::transcript);
        assertTrue(run.out().contains("holds more than " + cap + " bytes"), run::transcript);
    }

    /** A proof through a pipe (process substitution, /dev/stdin) is read once: an honest one is accepted. */
    @Test
    void aProofThroughAPipeIsAccepted(@TempDir Path work) throws Exception {
        Path fifo = work.resolve("proof.fifo");
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "no mkfifo here");
        Thread writer = new Thread(() -> {
            try {
                Files.write(fifo, Files.readAllBytes(proof));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        Cli run = verify(fifo);
        writer.join(10_000);
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        assertTrue(run.out().startsWith("ACCEPT"), run::transcript);
    }

    @Test
    void jsonGivesTheVerdictToScripts(@TempDir Path work) throws IOException {
        Cli accept = verify(proof, "--json");
        assertEquals(Main.OK, accept.exitCode(), accept::transcript);
        JsonNode ok = JSON.readTree(accept.out());
        assertEquals("ACCEPT", ok.get("verdict").asText());
        assertTrue(ok.get("reason").isNull());
        assertEquals(3, ok.get("batch").asInt());
        assertEquals("sha256:" + Format.hex(Artifacts.readModel(model, Limits.DEFAULTS).digest()), ok.get("model").asText());
        assertTrue(ok.get("soundness_log2").get("interactive").asDouble() < -50, accept::transcript);
        byte[] bytes = Files.readAllBytes(proof);
        bytes[bytes.length - 20] ^= 1;
        Cli reject = verify(Files.write(work.resolve("tampered.bin"), bytes), "--json");
        assertEquals(Main.REJECTED, reject.exitCode(), reject::transcript);
        JsonNode no = JSON.readTree(reject.out());
        assertEquals("REJECT", no.get("verdict").asText());
        assertTrue(no.get("layer").asInt() > 0 && no.get("round").isInt(), reject::transcript);
        assertFalse(no.get("reason").asText().isEmpty());
    }

    /** Audit item 5: a proof declaring 2^31 - 1 samples was an error (exit 2); it is a hostile proof, a REJECT. */
    @Test
    void aProofDeclaringTheLargestBatchIsARejection(@TempDir Path work) throws IOException {
        byte[] bytes = Files.readAllBytes(proof);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 4 + 32, Integer.MAX_VALUE);
        Cli run = verify(Files.write(work.resolve("batch.bin"), bytes));
        assertEquals(Main.REJECTED, run.exitCode(), run::transcript);
        assertTrue(run.out().contains("proof is for a batch of 2147483647, the input has 3"), run::transcript);
    }

    /** Audit item 2, from the command line: a 900 MiB proof (a sparse file) is rejected from its header, unread. */
    @Test
    void aHugeProofFileIsRejectedFromItsHeader(@TempDir Path work) throws IOException {
        byte[] header = Files.readAllBytes(proof);
        long size = 900L << 20;
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(ProofCodec.HEADER_BYTES - 8, size - ProofCodec.HEADER_BYTES);
        Path huge = work.resolve("huge.bin");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.write(header, 0, ProofCodec.HEADER_BYTES);
            file.setLength(size);
        }
        Cli run = verify(huge);
        assertEquals(Main.REJECTED, run.exitCode(), run::transcript);
        assertTrue(run.out().contains("proof body has " + (size - ProofCodec.HEADER_BYTES) + " bytes"), run::transcript);
    }

    /** Audit item 3: a batch the limits refuse is the limit's one-line error, not an internal error. */
    @Test
    void inspectAtABatchOverTheLimitsIsTheLimitsError() {
        Cli run = Cli.run("inspect", "-M", model.toString(), "--batch", "1000000");
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertTrue(run.err().contains("max-batch") && run.err().lines().count() == 1, run::transcript);
        assertEquals("", run.out(), run::transcript);
    }

    /** Audit item 3: a limit raised past what one Java array holds is refused up front in one line. */
    @Test
    void aLimitPastWhatTheEngineCanHoldIsRefused() {
        Cli run = verify(proof, "--max-tensor-elements", Long.toString(1L << 31));
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertTrue(run.err().contains("--max-tensor-elements: must be at most 1073741824"), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
        assertEquals(new String(new byte[0], StandardCharsets.UTF_8), run.out());
    }
}
