package org.safetynets.transcript;

import org.junit.jupiter.api.Test;
import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiatShamirTranscriptTest {
    private static final long[] MODEL = {1, 2, Fp.P - 1, 0};
    private static final long[] ROUND_0 = {5, Fp.P - 2, 77};
    private static final long[] ROUND_1 = {0, 1, 123456789, Fp.MAX_SIGNED};

    /**
     * One small schedule run by both sides: public values, two messages, single and batched challenges.
     * Returns every value the side saw (messages as received, then challenges), in order.
     */
    private static List<Long> schedule(Transcript t) {
        List<Long> seen = new ArrayList<>();
        t.absorbPublic("model", MODEL);
        for (long v : t.message("round 0", ROUND_0.length, t.isProver() ? ROUND_0 : null)) seen.add(v);
        add(seen, t.challenge("r0"));
        for (long v : t.message("round 1", ROUND_1.length, t.isProver() ? ROUND_1 : null)) seen.add(v);
        for (Fp2 v : t.challenges("r1", 3)) add(seen, v);
        Fp2[] extension = {new Fp2(3, Fp.P - 1), Fp2.I, Fp2.ZERO};
        for (Fp2 v : t.extensionMessage("extension", 3, t.isProver() ? extension : null)) add(seen, v);
        for (long v : t.message("empty", 0, t.isProver() ? new long[0] : null)) seen.add(v);
        add(seen, t.challenge("final"));
        return seen;
    }

    private static void add(List<Long> seen, Fp2 value) {
        seen.add(value.re());
        seen.add(value.im());
    }

    private static Fp2 challengeAfter(Consumer<FiatShamirTranscript> steps) {
        FiatShamirTranscript t = FiatShamirTranscript.forProver();
        steps.accept(t);
        return t.challenge("next");
    }

    @Test
    void deterministic() {
        FiatShamirTranscript a = FiatShamirTranscript.forProver();
        FiatShamirTranscript b = FiatShamirTranscript.forProver();
        assertEquals(schedule(a), schedule(b));
        assertArrayEquals(a.proofBytes(), b.proofBytes());
        assertEquals(Transcript.Role.PROVER, a.role());
        assertTrue(a.isProver());
    }

    @Test
    void proofBytesAreTheCanonicalMessages() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        schedule(prover);
        byte[] proof = prover.proofBytes();
        long[] extension = {3, Fp.P - 1, 0, 1, 0, 0}; // the schedule's extension message, re and im of each
        long[] expected = new long[ROUND_0.length + ROUND_1.length + extension.length];
        System.arraycopy(ROUND_0, 0, expected, 0, ROUND_0.length);
        System.arraycopy(ROUND_1, 0, expected, ROUND_0.length, ROUND_1.length);
        System.arraycopy(extension, 0, expected, ROUND_0.length + ROUND_1.length, extension.length);
        assertEquals(expected.length * Fp.BYTES, proof.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], Fp.read(proof, i * Fp.BYTES, "proof"));
    }

    @Test
    void verifierReadingTheProofSeesTheSameChallenges() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        List<Long> proverSaw = schedule(prover);
        FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(prover.proofBytes());
        assertEquals(Transcript.Role.VERIFIER, verifier.role());
        assertFalse(verifier.isProver());
        assertEquals(proverSaw, schedule(verifier));
        verifier.requireFullyRead();
    }

    @Test
    void verifierReadsTheBodyInPlaceFromWhereItStarts() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        List<Long> proverSaw = schedule(prover);
        byte[] proof = prover.proofBytes();
        // The body inside a larger file (a header before it), read without a copy from the buffer's position.
        byte[] file = new byte[7 + proof.length];
        Arrays.fill(file, 0, 7, (byte) 0xFF);
        System.arraycopy(proof, 0, file, 7, proof.length);
        FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(java.nio.ByteBuffer.wrap(file).position(7));
        assertEquals(proverSaw, schedule(verifier));
        verifier.requireFullyRead();
    }

    /** Public bytes written in chunks bind exactly as the same bytes in one array (the input batch is streamed). */
    @Test
    void publicBytesInChunksBindLikeOneArray() {
        byte[] data = new byte[100_000];
        new java.util.Random(4).nextBytes(data);
        Fp2 whole = challengeAfter(t -> t.absorbPublicBytes("input", data));
        PublicBytes chunked = new PublicBytes() {
            @Override
            public long length() {
                return data.length;
            }

            @Override
            public void writeTo(Sink sink) {
                for (int at = 0; at < data.length; at += 999) sink.write(data, at, Math.min(999, data.length - at));
            }
        };
        assertEquals(whole, challengeAfter(t -> t.absorbPublicBytes("input", chunked)));
        PublicBytes short_ = new PublicBytes() {
            @Override
            public long length() {
                return data.length + 1;
            }

            @Override
            public void writeTo(Sink sink) {
                sink.write(data, 0, data.length);
            }
        };
        assertThrows(IllegalStateException.class, () -> FiatShamirTranscript.forProver().absorbPublicBytes("input", short_));
    }

    @Test
    void everyInputChangesTheNextChallenge() {
        Fp2 base = challengeAfter(t -> {
            t.absorbPublic("x", new long[] {1, 2, 3});
            t.message("m", 2, new long[] {4, 5});
        });
        // a different public value, at each position
        for (int i = 0; i < 3; i++) {
            long[] values = {1, 2, 3};
            values[i] = Fp.add(values[i], 1);
            Fp2 changed = challengeAfter(t -> {
                t.absorbPublic("x", values);
                t.message("m", 2, new long[] {4, 5});
            });
            assertNotEquals(base, changed, "public value " + i);
        }
        // a different message element, at each position
        for (int i = 0; i < 2; i++) {
            long[] message = {4, 5};
            message[i] = Fp.P - 1;
            Fp2 changed = challengeAfter(t -> {
                t.absorbPublic("x", new long[] {1, 2, 3});
                t.message("m", 2, message);
            });
            assertNotEquals(base, changed, "message element " + i);
        }
        // a different label on the public value or on the message
        assertNotEquals(base, challengeAfter(t -> {
            t.absorbPublic("y", new long[] {1, 2, 3});
            t.message("m", 2, new long[] {4, 5});
        }));
        assertNotEquals(base, challengeAfter(t -> {
            t.absorbPublic("x", new long[] {1, 2, 3});
            t.message("n", 2, new long[] {4, 5});
        }));
        // a value moved from the public part into the message, or split differently
        assertNotEquals(base, challengeAfter(t -> {
            t.absorbPublic("x", new long[] {1, 2});
            t.message("m", 3, new long[] {3, 4, 5});
        }));
        // a public value taken for a message (the kinds are domain separated)
        assertNotEquals(base, challengeAfter(t -> {
            t.message("x", 3, new long[] {1, 2, 3});
            t.message("m", 2, new long[] {4, 5});
        }));
        // an extra, empty event
        assertNotEquals(base, challengeAfter(t -> {
            t.absorbPublic("x", new long[] {1, 2, 3});
            t.absorbPublic("", new long[0]);
            t.message("m", 2, new long[] {4, 5});
        }));
        // the events in the other order
        assertNotEquals(base, challengeAfter(t -> {
            t.message("m", 2, new long[] {4, 5});
            t.absorbPublic("x", new long[] {1, 2, 3});
        }));
        // unchanged inputs: unchanged challenge
        assertEquals(base, challengeAfter(t -> {
            t.absorbPublic("x", new long[] {1, 2, 3});
            t.message("m", 2, new long[] {4, 5});
        }));
    }

    @Test
    void challengeLabelAndHistoryMatter() {
        FiatShamirTranscript a = FiatShamirTranscript.forProver();
        FiatShamirTranscript b = FiatShamirTranscript.forProver();
        assertNotEquals(a.challenge("alpha"), b.challenge("beta"));
        // consecutive challenges differ (each is absorbed before the next)
        FiatShamirTranscript c = FiatShamirTranscript.forProver();
        Fp2[] drawn = c.challenges("r", 50);
        assertEquals(50, Arrays.stream(drawn).distinct().count());
        // a challenge is bound into the state: the one after it depends on its label
        FiatShamirTranscript d = FiatShamirTranscript.forProver();
        FiatShamirTranscript e = FiatShamirTranscript.forProver();
        d.challenge("one");
        e.challenge("two");
        assertNotEquals(d.challenge("next"), e.challenge("next"));
    }

    @Test
    void publicBytesAreBound() {
        Fp2 base = challengeAfter(t -> t.absorbPublicBytes("digest", new byte[] {1, 2, 3}));
        assertNotEquals(base, challengeAfter(t -> t.absorbPublicBytes("digest", new byte[] {1, 2, 4})));
        assertNotEquals(base, challengeAfter(t -> t.absorbPublicBytes("digest", new byte[] {1, 2, 3, 0})));
        assertNotEquals(base, challengeAfter(t -> t.absorbPublicBytes("digest2", new byte[] {1, 2, 3})));
        assertEquals(base, challengeAfter(t -> t.absorbPublicBytes("digest", new byte[] {1, 2, 3})));
    }

    @Test
    void largeAbsorbIsStreamedCompletely() {
        // more than one 1024-element buffer: an element past the first buffer must still be bound
        long[] big = new long[3000];
        for (int i = 0; i < big.length; i++) big[i] = i * 7919L;
        Fp2 base = challengeAfter(t -> t.absorbPublic("tensor", big));
        for (int position : new int[] {0, 1023, 1024, 2047, 2048, 2999}) {
            long[] changed = big.clone();
            changed[position] = Fp.add(changed[position], 1);
            assertNotEquals(base, challengeAfter(t -> t.absorbPublic("tensor", changed)), "position " + position);
        }
        assertNotEquals(base, challengeAfter(t -> t.absorbPublic("tensor", Arrays.copyOf(big, 2999))));
    }

    /** The documented hash chain, re-derived independently: pins the proof format against accidental change. */
    @Test
    void matchesTheDocumentedHashChain() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] state = sha.digest("safetynets/fiat-shamir/sha-256/v2".getBytes(StandardCharsets.UTF_8));
        long[] publicValues = {3, Fp.P - 1};
        long[] message = {9, 10, 11};
        Fp2[] extension = {new Fp2(5, 6), new Fp2(Fp.P - 1, 0)};

        state = event(sha, state, 'P', "pub", elements(publicValues));
        state = event(sha, state, 'M', "msg", elements(message));
        state = event(sha, state, 'X', "ext", elements(new long[] {5, 6, Fp.P - 1, 0}));
        Fp2 first = derive(sha, state, "c");
        state = event(sha, state, 'C', "c", elements(new long[] {first.re(), first.im()}));
        Fp2 second = derive(sha, state, "c");

        FiatShamirTranscript t = FiatShamirTranscript.forProver();
        t.absorbPublic("pub", publicValues);
        t.message("msg", 3, message);
        t.extensionMessage("ext", 2, extension);
        assertEquals(first, t.challenge("c"));
        assertEquals(second, t.challenge("c"));
    }

    private static byte[] elements(long[] values) {
        byte[] out = new byte[values.length * Fp.BYTES];
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < 8; k++) out[i * 8 + k] = (byte) (values[i] >>> (8 * k));
        }
        return out;
    }

    private static byte[] event(MessageDigest sha, byte[] state, char kind, String label, byte[] data) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        buffer.writeBytes(state);
        buffer.write(kind);
        buffer.writeBytes(littleEndian(labelBytes.length, 4));
        buffer.writeBytes(labelBytes);
        buffer.writeBytes(littleEndian(data.length, 8));
        buffer.writeBytes(data);
        return sha.digest(buffer.toByteArray());
    }

    /** re from the low 61 bits of the hash's first 8 bytes, im from the next 8; again with the next counter if either is 2^61 - 1. */
    private static Fp2 derive(MessageDigest sha, byte[] state, String label) {
        for (long counter = 0; ; counter++) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            buffer.writeBytes(state);
            buffer.write('D');
            buffer.writeBytes(label.getBytes(StandardCharsets.UTF_8));
            buffer.writeBytes(littleEndian(counter, 8));
            byte[] h = sha.digest(buffer.toByteArray());
            long re = 0;
            long im = 0;
            for (int i = 0; i < 8; i++) {
                re |= (h[i] & 0xFFL) << (8 * i);
                im |= (h[8 + i] & 0xFFL) << (8 * i);
            }
            re &= (1L << 61) - 1;
            im &= (1L << 61) - 1;
            if (re != Fp.P && im != Fp.P) return new Fp2(re, im);
        }
    }

    private static byte[] littleEndian(long v, int bytes) {
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) out[i] = (byte) (v >>> (8 * i));
        return out;
    }

    @Test
    void challengesAreCanonicalAndSpreadOut() {
        // Fixed inputs, so the statistics are fixed too: loose bounds that a working hash passes by far.
        FiatShamirTranscript t = FiatShamirTranscript.forProver();
        t.absorbPublic("seed", new long[] {42});
        int n = 20000;
        Fp2[] drawn = t.challenges("r", n / 2);
        long[] values = new long[n]; // every coordinate: each must be uniform on [0, p), independently
        for (int i = 0; i < n / 2; i++) {
            // A challenge in F_p is what a grinding prover aims at (a lie vanishing at base-field points); over
            // F_p^2 it happens with probability 1/p, never in a fixed sample of this size.
            Fp2 challenge = drawn[i];
            assertFalse(challenge.isBase(), () -> "a challenge in the base field: " + challenge);
            values[2 * i] = drawn[i].re();
            values[2 * i + 1] = drawn[i].im();
        }
        int[] topThreeBits = new int[8];
        int lowBitSet = 0;
        double meanFraction = 0;
        for (long v : values) {
            assertTrue(Fp.isCanonical(v), () -> "non-canonical challenge " + v);
            topThreeBits[(int) (v >>> 58)]++;
            lowBitSet += (int) (v & 1);
            meanFraction += (double) v / Fp.P;
        }
        meanFraction /= n;
        assertEquals(0.5, meanFraction, 0.02, "mean of challenge / p");
        assertEquals(n / 2.0, lowBitSet, n * 0.03, "low bit");
        for (int bucket = 0; bucket < 8; bucket++) {
            assertEquals(n / 8.0, topThreeBits[bucket], n / 8.0 * 0.15, "top-bits bucket " + bucket);
        }
        assertEquals(n, Arrays.stream(values).distinct().count());
    }

    @Test
    void verifierRejectsShortProof() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        schedule(prover);
        byte[] proof = prover.proofBytes();
        for (int cut : new int[] {0, 1, 8, 23, 24, proof.length - 8, proof.length - 1}) {
            FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(Arrays.copyOf(proof, cut));
            ProofRejected e = assertThrows(ProofRejected.class, () -> schedule(verifier), "cut at " + cut);
            assertTrue(e.getMessage().contains("ends early"), e.getMessage());
        }
    }

    @Test
    void verifierRejectsNonCanonicalElements() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        schedule(prover);
        byte[] proof = prover.proofBytes();
        for (long bad : new long[] {Fp.P, 1L << 61, Long.MAX_VALUE, -1L}) {
            for (int element = 0; element < proof.length / Fp.BYTES; element++) {
                byte[] tampered = proof.clone();
                Fp.write(bad, tampered, element * Fp.BYTES);
                FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(tampered);
                ProofRejected e = assertThrows(ProofRejected.class, () -> schedule(verifier), "element " + element);
                assertTrue(e.getMessage().contains("canonical"), e.getMessage());
            }
        }
    }

    @Test
    void tamperedProofChangesLaterChallenges() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        List<Long> proverSaw = schedule(prover);
        byte[] tampered = prover.proofBytes();
        tampered[0] ^= 1; // still canonical: element 5 becomes 4
        FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(tampered);
        List<Long> verifierSaw = schedule(verifier);
        // first message element differs, and so does the challenge right after the first message
        assertNotEquals(proverSaw.get(0), verifierSaw.get(0));
        assertNotEquals(proverSaw.get(ROUND_0.length), verifierSaw.get(ROUND_0.length));
    }

    @Test
    void trailingBytesAreRejected() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        schedule(prover);
        byte[] proof = prover.proofBytes();
        for (int extra : new int[] {1, 7, 8, 9}) {
            FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(Arrays.copyOf(proof, proof.length + extra));
            schedule(verifier);
            ProofRejected e = assertThrows(ProofRejected.class, verifier::requireFullyRead);
            assertTrue(e.getMessage().contains(extra + " trailing bytes"), e.getMessage());
        }
        // a verifier that reads nothing of a non-empty proof
        FiatShamirTranscript idle = FiatShamirTranscript.forVerifier(new byte[8]);
        assertThrows(ProofRejected.class, idle::requireFullyRead);
        FiatShamirTranscript.forVerifier(new byte[0]).requireFullyRead();
    }

    @Test
    void proverMessagesAreChecked() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        assertThrows(IllegalStateException.class, () -> prover.message("m", 3, new long[] {1, 2}));
        assertThrows(IllegalStateException.class, () -> prover.message("m", 1, new long[] {1, 2}));
        assertThrows(IllegalStateException.class, () -> prover.message("m", 2, null));
        assertThrows(IllegalStateException.class, () -> prover.message("m", 1, new long[] {Fp.P}));
        assertThrows(IllegalStateException.class, () -> prover.message("m", 1, new long[] {-1}));
        // nothing was sent by the refused messages
        assertEquals(0, prover.proofBytes().length);
    }

    @Test
    void rolesAreEnforced() {
        FiatShamirTranscript prover = FiatShamirTranscript.forProver();
        FiatShamirTranscript verifier = FiatShamirTranscript.forVerifier(new byte[16]);
        assertThrows(IllegalStateException.class, () -> verifier.message("m", 1, new long[] {1}));
        assertThrows(IllegalStateException.class, verifier::proofBytes);
        assertThrows(IllegalStateException.class, prover::requireFullyRead);
    }
}
