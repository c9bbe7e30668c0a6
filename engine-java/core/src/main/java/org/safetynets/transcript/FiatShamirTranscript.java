package org.safetynets.transcript;

import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Non-interactive transcript: SHA-256 over everything said so far stands in for the verifier's coins.
 *
 * <p>State update, for every event: state = SHA-256(state || kind || len(label) || label || len(data) || data),
 * with kind 'P' (public field elements), 'B' (public bytes), 'M' (prover message of base-field elements), 'X'
 * (prover message of F_p^2 elements, each as re then im) or 'C' (challenge). A challenge is an element of
 * F_p^2 = F_p[i]/(i^2 + 1): with h = SHA-256(state || 'D' || label || counter), its re is the low 61 bits of h's
 * first 8 bytes and its im the low 61 bits of the next 8, read little-endian; if either is 2^61 - 1 (the one
 * value of [0, 2^61) that is not below p) the counter moves on, so both are uniform on [0, p) and independent.
 * The challenge is then absorbed. The prover's messages, concatenated in order as canonical field elements (two
 * per extension element), are the proof.
 */
public final class FiatShamirTranscript implements Transcript {
    /** v2: challenges from F_p^2 (proof format 2); v1 drew them from F_p. */
    private static final String DOMAIN = "safetynets/fiat-shamir/sha-256/v2";

    private final Role role;
    private final MessageDigest sha256 = newSha256();
    private byte[] state;
    private final ByteArrayOutputStream sent;
    /** The proof body, read in place (never copied: a hostile body may be as large as the proof-size limit). */
    private final ByteBuffer received;

    private FiatShamirTranscript(Role role, ByteBuffer received) {
        this.role = role;
        this.received = received;
        this.sent = role == Role.PROVER ? new ByteArrayOutputStream() : null;
        this.state = sha256.digest(DOMAIN.getBytes(StandardCharsets.UTF_8));
    }

    public static FiatShamirTranscript forProver() {
        return new FiatShamirTranscript(Role.PROVER, null);
    }

    /** A verifier reading the prover's messages from {@code messages} (the proof body), which it does not copy. */
    public static FiatShamirTranscript forVerifier(byte[] messages) {
        return forVerifier(ByteBuffer.wrap(messages));
    }

    /** A verifier reading the prover's messages from the remaining bytes of {@code messages}, in place. */
    public static FiatShamirTranscript forVerifier(ByteBuffer messages) {
        return new FiatShamirTranscript(Role.VERIFIER, messages.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public Role role() {
        return role;
    }

    @Override
    public void absorbPublic(String label, long[] values) {
        absorb((byte) 'P', label, values);
    }

    @Override
    public void absorbPublicBytes(String label, PublicBytes bytes) {
        long length = bytes.length();
        beginEvent((byte) 'B', label, length);
        long[] written = {0};
        bytes.writeTo((chunk, offset, n) -> {
            sha256.update(chunk, offset, n);
            written[0] += n;
        });
        if (written[0] != length) {
            throw new IllegalStateException("public bytes '" + label + "' declared " + length + " bytes and wrote " + written[0]);
        }
        state = sha256.digest();
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        long[] values;
        if (role == Role.PROVER) {
            values = checkedProverMessage(label, length, proverValues);
            byte[] bytes = toBytes(values);
            sent.write(bytes, 0, bytes.length);
        } else {
            if (proverValues != null) throw new IllegalStateException("the verifier does not supply prover messages");
            values = read(label, length);
        }
        absorb((byte) 'M', label, values);
        return values;
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        long[] words;
        Fp2[] values;
        if (role == Role.PROVER) {
            if (proverValues == null || proverValues.length != length) {
                throw new IllegalStateException("prover message '" + label + "' must have " + length + " elements");
            }
            values = proverValues.clone();
            words = Fp2.toWords(values);
            byte[] bytes = toBytes(words);
            sent.write(bytes, 0, bytes.length);
        } else {
            if (proverValues != null) throw new IllegalStateException("the verifier does not supply prover messages");
            words = read(label, Math.multiplyExact(2, length)); // canonical: read checked them
            values = Fp2.fromWords(words);
        }
        absorb((byte) 'X', label, words);
        return values;
    }

    @Override
    public Fp2 challenge(String label) {
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        for (long counter = 0; ; counter++) {
            sha256.update(state);
            sha256.update((byte) 'D');
            sha256.update(labelBytes);
            sha256.update(longBytes(counter));
            byte[] h = sha256.digest();
            long re = lowBits(h, 0); // uniform on [0, 2^61)
            long im = lowBits(h, 8);
            if (re < Fp.P && im < Fp.P) {
                absorb((byte) 'C', label, new long[] {re, im});
                return new Fp2(re, im);
            }
        }
    }

    private static long lowBits(byte[] h, int offset) {
        long word = 0;
        for (int i = 0; i < 8; i++) word |= (h[offset + i] & 0xFFL) << (8 * i);
        return word & Fp.P;
    }

    /** The proof body: every prover message so far (prover side only). */
    public byte[] proofBytes() {
        if (role != Role.PROVER) throw new IllegalStateException("only the prover's transcript holds a proof");
        return sent.toByteArray();
    }

    /** The verifier's last check: every byte of the proof was a message the schedule asked for. */
    public void requireFullyRead() {
        if (role != Role.VERIFIER) throw new IllegalStateException("only the verifier reads a proof");
        if (received.hasRemaining()) {
            throw new ProofRejected("proof has " + received.remaining() + " trailing bytes after the last message");
        }
    }

    private long[] read(String label, int length) {
        long needed = (long) length * Fp.BYTES;
        if (received.remaining() < needed) {
            throw new ProofRejected("proof ends early: message '" + label + "' needs " + needed + " bytes, "
                    + received.remaining() + " remain");
        }
        long[] values = new long[length];
        for (int i = 0; i < length; i++) {
            long a = received.getLong(); // little-endian, the canonical encoding
            if (!Fp.isCanonical(a)) {
                throw new ProofRejected("message '" + label + "' element " + i + " is " + Long.toUnsignedString(a)
                        + ", not a canonical field element below p");
            }
            values[i] = a;
        }
        return values;
    }

    static long[] checkedProverMessage(String label, int length, long[] values) {
        if (values == null || values.length != length) {
            throw new IllegalStateException("prover message '" + label + "' must have " + length + " elements");
        }
        for (long v : values) {
            if (!Fp.isCanonical(v)) throw new IllegalStateException("prover message '" + label + "' holds a non-canonical element");
        }
        return values;
    }

    private void absorb(byte kind, String label, long[] values) {
        beginEvent(kind, label, (long) values.length * Fp.BYTES);
        // Stream large tensors through a small buffer rather than materialising their bytes.
        byte[] buffer = new byte[Math.min(values.length, 1024) * Fp.BYTES];
        int i = 0;
        while (i < values.length) {
            int n = Math.min(values.length - i, buffer.length / Fp.BYTES);
            for (int k = 0; k < n; k++) Fp.write(values[i + k], buffer, k * Fp.BYTES);
            sha256.update(buffer, 0, n * Fp.BYTES);
            i += n;
        }
        state = sha256.digest();
    }

    /** state || kind || len(label) || label || len(data): every event's prefix; the data follows. */
    private void beginEvent(byte kind, String label, long dataLength) {
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        sha256.update(state);
        sha256.update(kind);
        sha256.update(intBytes(labelBytes.length));
        sha256.update(labelBytes);
        sha256.update(longBytes(dataLength));
    }

    private static byte[] toBytes(long[] values) {
        byte[] out = new byte[values.length * Fp.BYTES];
        for (int i = 0; i < values.length; i++) Fp.write(values[i], out, i * Fp.BYTES);
        return out;
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static byte[] longBytes(long v) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) out[i] = (byte) (v >>> (8 * i));
        return out;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
