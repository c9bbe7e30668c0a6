package org.safetynets.service;

import org.junit.jupiter.api.Test;
import org.safetynets.adversary.ForwardingTranscript;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.transcript.Transcript;

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

    // ---- cheating hosts ----

    @Test
    void changedOutputIsRejectedInBothModes() throws Exception {
        ProverHost.Behaviour cheat = new ProverHost.Behaviour() {
            @Override
            public long[][] claimedOutputs(long[][] proven) {
                long[][] changed = proven.clone();
                changed[0] = proven[0].clone();
                changed[0][3] += 1;
                return changed;
            }

            @Override
            public Transcript interactive(Transcript honest) {
                return new ForwardingTranscript(honest) {
                    @Override
                    public long[] message(String label, int length, long[] values) {
                        long[] changed = values.clone();
                        changed[3] = Fp.add(changed[3], 1);
                        return inner.message(label, length, changed);
                    }
                };
            }
        };
        try (TestHost host = TestHost.cheating(cheat); ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive(TestHost.DEMO, INPUTS));
        }
    }

    @Test
    void changedRoundMessageIsRejectedInBothModes() throws Exception {
        ProverHost.Behaviour cheat = new ProverHost.Behaviour() {
            @Override
            public byte[] proofFile(byte[] honest) {
                byte[] changed = honest.clone();
                int at = changed.length - 8 * 20; // a word of a late round message, kept canonical (low byte)
                changed[at] ^= 1;
                return changed;
            }

            @Override
            public Transcript interactive(Transcript honest) {
                AtomicInteger count = new AtomicInteger();
                return new ForwardingTranscript(honest) {
                    @Override
                    public Fp2[] extensionMessage(String label, int length, Fp2[] values) {
                        if (count.incrementAndGet() == 5) {
                            Fp2[] changed = values.clone();
                            changed[0] = changed[0].add(Fp2.ONE);
                            return inner.extensionMessage(label, length, changed);
                        }
                        return inner.extensionMessage(label, length, values);
                    }
                };
            }
        };
        try (TestHost host = TestHost.cheating(cheat); ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive(TestHost.DEMO, INPUTS));
            host.awaitIdle();
            assertTrue(host.log.stream().anyMatch(line -> line.contains("client verdict: REJECT")), host.log.toString());
        }
    }

    @Test
    void anotherModelsWeightsAreRejectedInBothModes() throws Exception {
        ProverHost.Behaviour cheat = new ProverHost.Behaviour() {
            @Override
            public Model model(Model served) {
                return TestHost.OTHER;
            }
        };
        try (TestHost host = TestHost.cheating(cheat); ProverClient client = host.client()) {
            assertRejected(client.prove(TestHost.DEMO, INPUTS).verdict());
            assertRejected(client.interactive(TestHost.DEMO, INPUTS));
        }
    }

    private static void assertRejected(Verdict verdict) {
        assertFalse(verdict.accepted(), "a cheating host was accepted");
        assertInstanceOf(Verdict.Rejected.class, verdict);
    }
}
