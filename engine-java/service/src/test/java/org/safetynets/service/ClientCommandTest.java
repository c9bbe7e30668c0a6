package org.safetynets.service;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.MalformedInput;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `client prove|interactive` from files: the verdict and the exit codes of verify (0 ACCEPT, 1 REJECT, 2 error). */
class ClientCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = ServiceMain.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path[] files(Model model, long[][] inputs) throws Exception {
        Path modelFile = dir.resolve("model.snm");
        Files.write(modelFile, ModelCodec.encode(model));
        String json = Arrays.stream(inputs).map(Arrays::toString).collect(Collectors.joining(", ", "{\"input_data\": [", "]}"));
        Path input = dir.resolve("input.json");
        Files.writeString(input, json);
        return new Path[] {modelFile, input};
    }

    @Test
    void timeoutsOutOfRangeAreRefusedByTheOptions() {
        for (Duration timeout : List.of(Duration.ZERO, Duration.ofSeconds(-5), Duration.ofSeconds(9_223_372_036_854_776L))) {
            MalformedInput e = assertThrows(MalformedInput.class, () -> ProverClient.Options.DEFAULTS.withTimeout(timeout));
            assertTrue(e.getMessage().contains("--timeout"), e.getMessage());
        }
    }

    @Test
    void verdictsAndExitCodes() throws Exception {
        Path[] files = files(TestHost.DEMO, DemoNetwork.inputs(3, 2));
        try (TestHost host = TestHost.honest()) {
            Path outputs = dir.resolve("verified.json");
            Run prove = run("client", "prove", "--server", host.address(), "-M", files[0].toString(), "-D", files[1].toString(), "--outputs", outputs.toString());
            assertEquals(0, prove.exit(), prove.out() + prove.err());
            assertTrue(prove.out().startsWith("ACCEPT"), prove.out());
            assertTrue(Files.readString(outputs).startsWith("{\"verified\": true"));
            Run interactive = run("client", "interactive", "--server", host.address(), "-M", files[0].toString(), "-D", files[1].toString());
            assertEquals(0, interactive.exit(), interactive.out() + interactive.err());
            Run models = run("client", "models", "--server", host.address());
            assertEquals(0, models.exit(), models.err());
            assertTrue(models.out().contains("\"name\": \"demo\""));
        }
        try (TestHost cheat = TestHost.servingOtherAsDemo()) {
            Run rejected = run("client", "interactive", "--server", cheat.address(), "--model-name", "demo", "-M", files[0].toString(), "-D", files[1].toString(),
                    "--outputs", dir.resolve("never.json").toString());
            assertEquals(1, rejected.exit(), rejected.out() + rejected.err());
            assertTrue(rejected.out().startsWith("REJECT: "), rejected.out());
            assertTrue(Files.notExists(dir.resolve("never.json")));
            // Red-team find: -O kept the cheating host's proof file on REJECT; now nothing is written.
            Run rejectedProof = run("client", "prove", "--server", cheat.address(), "--model-name", "demo", "-M", files[0].toString(), "-D",
                    files[1].toString(), "-O", dir.resolve("never.bin").toString(), "--outputs", dir.resolve("never.json").toString());
            assertEquals(1, rejectedProof.exit(), rejectedProof.out() + rejectedProof.err());
            assertTrue(Files.notExists(dir.resolve("never.bin")) && Files.notExists(dir.resolve("never.json")));
        }
        try (TestHost host = TestHost.honest()) {
            Path proof = dir.resolve("kept.bin");
            Run kept = run("client", "prove", "--server", host.address(), "-M", files[0].toString(), "-D", files[1].toString(), "-O", proof.toString());
            assertEquals(0, kept.exit(), kept.out() + kept.err());
            assertTrue(Files.size(proof) > 0, "the accepted proof file is kept");
        }
        for (String timeout : new String[] {"0", "-5", "9223372036854776"}) {
            // A usage error, before the model is read or the host asked: not the host's fault, not an internal error.
            Run bad = run("client", "prove", "--server", "localhost:1", "-M", dir.resolve("none.snm").toString(), "-D", files[1].toString(), "--timeout", timeout);
            assertEquals(2, bad.exit(), bad.out() + bad.err());
            assertTrue(bad.err().startsWith("error: --timeout"), bad.err());
        }
        Run unreachable = run("client", "prove", "--server", "localhost:1", "-M", files[0].toString(), "-D", files[1].toString(), "--timeout", "5");
        assertEquals(2, unreachable.exit(), unreachable.out() + unreachable.err());
        assertTrue(unreachable.err().startsWith("error: the prover host"), unreachable.err());
    }
}
