package org.safetynets.transcript;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.transcript.InteractiveTranscript.VerifierStopped;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both ends of the in-memory channel; every test runs under a timeout so a lost message cannot hang the build. */
class InteractiveTranscriptTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final int ROUNDS = 20;

    private final ExecutorService proverThread = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopProverThread() {
        proverThread.shutdownNow();
    }

    /** A sum-check-like schedule: each round a message that depends on the previous challenge, then a challenge. */
    private static List<Long> schedule(Transcript t) {
        List<Long> seen = new ArrayList<>();
        t.absorbPublic("model", new long[] {1, 2, 3});
        long previous = 7;
        for (int round = 0; round < ROUNDS; round++) {
            long[] mine = t.isProver() ? new long[] {previous, Fp.add(previous, round), Fp.P - 1} : null;
            long[] message = t.message("round " + round, 3, mine);
            if (t.isProver()) assertArrayEquals(mine, message);
            for (long v : message) seen.add(v);
            Fp2 r = t.challenge("r" + round);
            previous = r.re();
            seen.add(r.re());
            seen.add(r.im());
        }
        for (Fp2 v : t.challenges("batch", 4)) {
            seen.add(v.re());
            seen.add(v.im());
        }
        return seen;
    }

    private static Throwable cause(Future<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, future::get);
        return e.getCause();
    }

    @Test
    void honestRunAgreesOnEveryValue() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            InteractiveTranscript prover = ends[0];
            InteractiveTranscript verifier = ends[1];
            assertEquals(Transcript.Role.PROVER, prover.role());
            assertEquals(Transcript.Role.VERIFIER, verifier.role());
            Future<List<Long>> proverSaw = proverThread.submit(() -> schedule(prover));
            List<Long> verifierSaw = schedule(verifier);
            assertEquals(verifierSaw, proverSaw.get());
            assertEquals(ROUNDS * 5 + 8, verifierSaw.size());
            for (long v : verifierSaw) assertTrue(Fp.isCanonical(v));
            // the messages depend on the challenges, so agreement is not trivial: challenges are fresh coins
            List<Long> challenges = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) challenges.add(verifierSaw.get(round * 5 + 3));
            assertEquals(ROUNDS, challenges.stream().distinct().count());
        });
    }

    @Test
    void proverBlocksUntilTheChallengeIsSent() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            Future<Fp2> seen = proverThread.submit(() -> ends[0].challenge("r"));
            Thread.sleep(100);
            assertTrue(!seen.isDone(), "the prover must wait for the verifier's coin");
            Fp2 sent = ends[1].challenge("r");
            assertEquals(sent, seen.get());
        });
    }

    @Test
    void verifierRejectsWhenTheProverStopsEarly() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            InteractiveTranscript prover = ends[0];
            InteractiveTranscript verifier = ends[1];
            Future<?> proverRun = proverThread.submit(() -> {
                try (prover) {
                    prover.message("round 0", 2, new long[] {1, 2});
                    prover.challenge("r0");
                }
                return null;
            });
            assertArrayEquals(new long[] {1, 2}, verifier.message("round 0", 2, null));
            verifier.challenge("r0");
            ProofRejected e = assertThrows(ProofRejected.class, () -> verifier.message("round 1", 2, null));
            assertTrue(e.getMessage().contains("round 1"), e.getMessage());
            proverRun.get();
        });
    }

    @Test
    void verifierRejectsAWrongLabel() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            ends[0].message("round 1", 2, new long[] {1, 2});
            ProofRejected e = assertThrows(ProofRejected.class, () -> ends[1].message("round 0", 2, null));
            assertTrue(e.getMessage().contains("round 0") && e.getMessage().contains("round 1"), e.getMessage());
        });
    }

    @Test
    void verifierRejectsAWrongLength() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            for (int sent : new int[] {0, 1, 3}) {
                InteractiveTranscript[] ends = InteractiveTranscript.connect();
                ends[0].message("m", sent, new long[sent]);
                assertThrows(ProofRejected.class, () -> ends[1].message("m", 2, null), "sent " + sent);
            }
        });
    }

    @Test
    void verifierRejectsNonCanonicalValues() throws Exception {
        // An honest prover end refuses to send them, so a hostile packet is put on the channel directly.
        for (long bad : new long[] {Fp.P, 1L << 61, -1L, Long.MIN_VALUE}) {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            assertThrows(IllegalStateException.class, () -> ends[0].message("m", 2, new long[] {1, bad}));
            sendRawPacket(ends[0], "m", new long[] {1, bad});
            assertTimeoutPreemptively(TIMEOUT, () -> {
                ProofRejected e = assertThrows(ProofRejected.class, () -> ends[1].message("m", 2, null));
                assertTrue(e.getMessage().contains("element 1"), e.getMessage());
            });
        }
    }

    @SuppressWarnings("unchecked")
    private static void sendRawPacket(InteractiveTranscript from, String label, long[] values) throws Exception {
        Class<?> packetClass = Class.forName(InteractiveTranscript.class.getName() + "$Packet");
        Constructor<?> constructor = packetClass.getDeclaredConstructor(String.class, long[].class, boolean.class);
        constructor.setAccessible(true);
        Field outbox = InteractiveTranscript.class.getDeclaredField("outbox");
        outbox.setAccessible(true);
        ((BlockingQueue<Object>) outbox.get(from)).add(constructor.newInstance(label, values, false));
    }

    @Test
    void proverLearnsThatTheVerifierStopped() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            InteractiveTranscript prover = ends[0];
            InteractiveTranscript verifier = ends[1];
            Future<?> proverRun = proverThread.submit(() -> {
                prover.message("round 0", 1, new long[] {5});
                prover.challenge("r0");
                prover.message("round 1", 1, new long[] {6});
                return prover.challenge("r1"); // the verifier rejects instead of answering
            });
            try (verifier) {
                verifier.message("round 0", 1, null);
                verifier.challenge("r0");
                assertThrows(ProofRejected.class, () -> verifier.message("round 1", 2, null));
            }
            Throwable failure = cause(proverRun);
            assertInstanceOf(VerifierStopped.class, failure);
            assertTrue(failure.getMessage().contains("r1"), failure.getMessage());
        });
    }

    @Test
    void proverWaitingOnAClosedVerifierStopsAtOnce() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            ends[1].close();
            assertThrows(VerifierStopped.class, () -> ends[0].challenge("r"));
        });
    }

    @Test
    void proverRefusesAChallengeUnderAnotherLabel() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            ends[1].challenge("alpha");
            assertThrows(IllegalStateException.class, () -> ends[0].challenge("beta"));
        });
    }

    @Test
    void proverMessagesAreCheckedAndCopied() {
        assertTimeoutPreemptively(TIMEOUT, () -> {
            InteractiveTranscript[] ends = InteractiveTranscript.connect();
            assertThrows(IllegalStateException.class, () -> ends[0].message("m", 3, new long[] {1, 2}));
            assertThrows(IllegalStateException.class, () -> ends[0].message("m", 1, null));
            assertThrows(IllegalStateException.class, () -> ends[1].message("m", 1, new long[] {1}));
            // a refused message was not sent; a sent message cannot be changed afterwards
            long[] values = {10, 20};
            ends[0].message("m", 2, values);
            values[0] = 99;
            assertArrayEquals(new long[] {10, 20}, ends[1].message("m", 2, null));
        });
    }
}
