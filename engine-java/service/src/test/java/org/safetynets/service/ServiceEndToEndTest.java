package org.safetynets.service;

import org.junit.jupiter.api.Test;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.field.Fp;
import org.safetynets.model.DemoNetwork;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both modes over loopback Flight, honest and cheating hosts. */
class ServiceEndToEndTest {
    private static final long[][] INPUTS = DemoNetwork.inputs(7, 4);

    private static long[][] expectedOutputs() {
        try (Backend backend = Backends.open("cpu", 1, reason -> { })) {
            return Prover.infer(TestHost.DEMO, INPUTS, backend);
        }
    }

    @Test
    void proofFileModeAccepts() throws Exception {
        try (TestHost host = TestHost.honest(); ProverClient client = host.client()) {
            ProverClient.Answer answer = client.prove(TestHost.DEMO, INPUTS);
            Verdict.Accepted accepted = assertInstanceOf(Verdict.Accepted.class, answer.verdict(), String.valueOf(answer.verdict()));
            assertArrayEquals(expectedOutputs(), accepted.outputs());
            // By name as well as by digest.
            assertTrue(client.prove("demo", TestHost.DEMO, INPUTS).verdict().accepted());
            host.awaitIdle();
            assertTrue(host.log.stream().anyMatch(line -> line.contains("mode=prove") && line.contains("self-check ACCEPT")), host.log.toString());
        }
    }

    /** Each model was proven and self-checked once, through the provers requests use, before the host listened. */
    @Test
    void theHostWarmsAndSelfChecksEachModelBeforeItListens() throws Exception {
        try (TestHost host = TestHost.honest()) {
            assertEquals(2, host.warmUp.size(), host.warmUp.toString());
            assertTrue(host.warmUp.get(0).startsWith("model demo (" + ModelRegistry.digest(TestHost.DEMO) + "): warmed and self-checked in "),
                    host.warmUp.get(0));
            assertTrue(host.warmUp.get(1).startsWith("model other (" + ModelRegistry.digest(TestHost.OTHER) + "): warmed and self-checked in "),
                    host.warmUp.get(1));
        }
    }

    @Test
    void interactiveModeAccepts() throws Exception {
        try (TestHost host = TestHost.honest(); ProverClient client = host.client()) {
            Verdict verdict = client.interactive(TestHost.DEMO, INPUTS);
            Verdict.Accepted accepted = assertInstanceOf(Verdict.Accepted.class, verdict, String.valueOf(verdict));
            assertArrayEquals(expectedOutputs(), accepted.outputs());
            host.awaitIdle();
            assertTrue(host.log.stream().anyMatch(line -> line.contains("mode=interactive") && line.contains("client verdict: ACCEPT")), host.log.toString());
        }
    }

    @Test
    void eachLogLineNamesTheClientsAddress() throws Exception {
        try (TestHost host = TestHost.honest(); ProverClient client = host.client()) {
            assertTrue(client.interactive(TestHost.DEMO, INPUTS).accepted());
            assertTrue(client.prove(TestHost.DEMO, INPUTS).verdict().accepted());
            host.awaitIdle();
            // The client connected to localhost: the host logs a loopback address and the client's (ephemeral) port.
            java.util.regex.Pattern peer = java.util.regex.Pattern.compile(" peer=(127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\]|\\[::1\\]):([0-9]+) ");
            assertEquals(2, host.log.size(), host.log.toString());
            for (String line : host.log) {
                java.util.regex.Matcher matcher = peer.matcher(line);
                assertTrue(matcher.find(), line);
                int port = Integer.parseInt(matcher.group(2));
                assertTrue(port > 0 && port != host.server.port(), line);
            }
        }
    }

    @Test
    void modelsAreListedByNameAndDigest() throws Exception {
        try (TestHost host = TestHost.honest(); ProverClient client = host.client()) {
            var models = client.models();
            assertEquals(2, models.size());
            assertTrue(models.get(0).contains("\"name\": \"demo\"") && models.get(0).contains(ModelRegistry.digest(TestHost.DEMO)), models.toString());
        }
    }

    // ---- cheating hosts: an honest host behind a producer that changes its messages on the wire (TamperingHost) ----

    /** One verifier prepared by the client serves many requests, of several batch sizes, in both modes. */
    @Test
    void aPreparedClientVerifierServesManyRequests() throws Exception {
        try (TestHost host = TestHost.honest(); ProverClient client = host.client()) {
            org.safetynets.proof.Verifier.Prepared verifier = client.prepare(TestHost.DEMO);
            for (int batch : new int[] {4, 1, 4, 2}) {
                long[][] samples = DemoNetwork.inputs(batch, batch);
                long[][] expected;
                try (Backend backend = Backends.open("cpu", 1, reason -> { })) {
                    expected = Prover.infer(TestHost.DEMO, samples, backend);
                }
                Verdict.Accepted proven = assertInstanceOf(Verdict.Accepted.class, client.prove(verifier, samples).verdict());
                assertArrayEquals(expected, proven.outputs());
                Verdict.Accepted live = assertInstanceOf(Verdict.Accepted.class, client.interactive("demo", verifier, samples));
                assertArrayEquals(expected, live.outputs());
            }
        }
    }

    @Test
    void changedOutputIsRejectedInBothModes() throws Exception {
        TamperingHost.Tamper cheat = new TamperingHost.Tamper() {
            @Override
            public void outputs(VectorSchemaRoot outputs) {
                BigIntVector values = (BigIntVector) ((FixedSizeListVector) outputs.getVector(0)).getDataVector();
                values.set(3, values.get(3) + 1); // sample 0, output 3
            }
        };
        try (TestHost host = TestHost.tampering(cheat); ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive(TestHost.DEMO, INPUTS));
            org.safetynets.proof.Verifier.Prepared verifier = client.prepare(TestHost.DEMO);
            assertRejected(client.prove(verifier, INPUTS).verdict());
            assertRejected(client.interactive(verifier, INPUTS));
        }
    }

    @Test
    void changedRoundMessageIsRejectedInBothModes() throws Exception {
        AtomicInteger extensionMessages = new AtomicInteger();
        TamperingHost.Tamper cheat = new TamperingHost.Tamper() {
            @Override
            public Frame frame(Frame frame) {
                if (frame.kind() == Frame.Kind.PROOF_CHUNK) {
                    byte[] changed = frame.payload().clone(); // the demo's proof is one chunk
                    changed[changed.length - 8 * 20] ^= 1;    // a word of a late round message, kept canonical (low byte)
                    return new Frame(frame.kind(), frame.label(), changed);
                }
                if (frame.kind() == Frame.Kind.EXTENSION_MESSAGE && extensionMessages.incrementAndGet() == 5) {
                    long[] words = frame.words("test");
                    words[0] = Fp.add(words[0], 1);             // the real part of the message's first value
                    return Frame.words(frame.kind(), frame.label(), words);
                }
                return frame;
            }
        };
        try (TestHost host = TestHost.tampering(cheat); ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive(TestHost.DEMO, INPUTS));
            assertTrue(extensionMessages.get() >= 5, "the interactive exchange had " + extensionMessages.get() + " extension messages");
            host.awaitIdle();
            assertTrue(host.log.stream().anyMatch(line -> line.contains("client verdict: REJECT")), host.log.toString());
        }
    }

    @Test
    void anotherModelsWeightsAreRejectedInBothModes() throws Exception {
        // The host serves another model under the name the client asks for; the client verifies with its own copy.
        try (TestHost host = TestHost.servingOtherAsDemo(); ProverClient client = host.client()) {
            assertRejected(client.prove("demo", TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive("demo", TestHost.DEMO, INPUTS));
        }
    }

    private static void assertRejected(Verdict verdict) {
        assertFalse(verdict.accepted(), "a cheating host was accepted");
        assertInstanceOf(Verdict.Rejected.class, verdict);
    }
}
