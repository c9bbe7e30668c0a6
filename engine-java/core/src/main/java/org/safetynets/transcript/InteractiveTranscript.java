package org.safetynets.transcript;

import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;

import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Interactive transcript: the prover's messages travel over a channel to the verifier, and the verifier draws
 * each challenge from a {@link SecureRandom} and sends it back only after the message it answers. Soundness
 * rests on the verifier's coins staying secret until sent, not on a hash function.
 *
 * <p>{@link #connect()} gives the two ends of one in-memory channel; each end is used by one thread. Either side
 * calls {@link #close()} when it stops, so the other side fails fast instead of waiting for a message that will
 * never come.
 */
public final class InteractiveTranscript implements Transcript, AutoCloseable {
    private static final long TIMEOUT_SECONDS = 600;

    private record Packet(String label, long[] values, boolean end) {
    }

    private static final Packet END = new Packet("", new long[0], true);

    private final Role role;
    private final BlockingQueue<Packet> inbox;
    private final BlockingQueue<Packet> outbox;
    private final SecureRandom coins;

    private InteractiveTranscript(Role role, BlockingQueue<Packet> inbox, BlockingQueue<Packet> outbox) {
        this.role = role;
        this.inbox = inbox;
        this.outbox = outbox;
        this.coins = role == Role.VERIFIER ? new SecureRandom() : null;
    }

    /** The two ends of a channel: {@code [prover, verifier]}. */
    public static InteractiveTranscript[] connect() {
        BlockingQueue<Packet> toVerifier = new LinkedBlockingQueue<>();
        BlockingQueue<Packet> toProver = new LinkedBlockingQueue<>();
        return new InteractiveTranscript[] {
            new InteractiveTranscript(Role.PROVER, toProver, toVerifier),
            new InteractiveTranscript(Role.VERIFIER, toVerifier, toProver)
        };
    }

    @Override
    public Role role() {
        return role;
    }

    /** Both sides already hold public values and fresh coins cannot depend on them: nothing to send. */
    @Override
    public void absorbPublic(String label, long[] values) {
    }

    @Override
    public void absorbPublicBytes(String label, PublicBytes bytes) {
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        if (role == Role.PROVER) {
            long[] values = FiatShamirTranscript.checkedProverMessage(label, length, proverValues);
            outbox.add(new Packet(label, values.clone(), false));
            return values;
        }
        if (proverValues != null) throw new IllegalStateException("the verifier does not supply prover messages");
        Packet packet = take("message '" + label + "'");
        if (packet.end()) throw new ProofRejected("prover stopped before sending message '" + label + "'");
        if (!packet.label().equals(label) || packet.values().length != length) {
            throw new ProofRejected("expected message '" + label + "' of " + length + " elements, prover sent '"
                    + packet.label() + "' of " + packet.values().length);
        }
        for (int i = 0; i < length; i++) {
            if (!Fp.isCanonical(packet.values()[i])) {
                throw new ProofRejected("message '" + label + "' element " + i + " is not a canonical field element");
            }
        }
        return packet.values().clone();
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        if (role == Role.PROVER) {
            if (proverValues == null || proverValues.length != length) {
                throw new IllegalStateException("prover message '" + label + "' must have " + length + " elements");
            }
            outbox.add(new Packet(label, Fp2.toWords(proverValues), false));
            return proverValues.clone();
        }
        return Fp2.fromWords(message(label, Math.multiplyExact(2, length), null)); // canonical: message checked them
    }

    @Override
    public Fp2 challenge(String label) {
        if (role == Role.VERIFIER) {
            Fp2 r = Fp2.random(coins);
            outbox.add(new Packet(label, new long[] {r.re(), r.im()}, false));
            return r;
        }
        Packet packet = take("challenge '" + label + "'");
        if (packet.end()) throw new VerifierStopped("verifier stopped before sending challenge '" + label + "'");
        if (!packet.label().equals(label)) {
            throw new IllegalStateException("prover expected challenge '" + label + "', got '" + packet.label() + "'");
        }
        return new Fp2(packet.values()[0], packet.values()[1]);
    }

    /**
     * Sends a prover message without the canonical-element check of {@link #message}: what a dishonest prover on a
     * real wire can do (any 64-bit words, any label, any length). Tests use it to check that the verifier's end
     * refuses such messages; an honest prover never calls it.
     */
    public void sendUnchecked(String label, long[] values) {
        if (role != Role.PROVER) throw new IllegalStateException("only the prover sends messages");
        outbox.add(new Packet(label, values.clone(), false));
    }

    /**
     * The verifier's last check, the channel's counterpart of a proof file's "no trailing bytes": once the schedule
     * is done the prover must hang up, not send more. Waits for the prover's end of the channel to close.
     */
    public void requireEnd() {
        if (role != Role.VERIFIER) throw new IllegalStateException("only the verifier checks the end of the proof");
        Packet packet = take("end of the proof");
        if (!packet.end()) throw new ProofRejected("prover sent message '" + packet.label() + "' after the last message of the proof");
    }

    /** Tells the other end that this side sends nothing more. */
    @Override
    public void close() {
        outbox.add(END);
    }

    private Packet take(String what) {
        try {
            Packet packet = inbox.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (packet == null) {
                if (role == Role.VERIFIER) throw new ProofRejected("timed out waiting for the prover's " + what);
                throw new VerifierStopped("timed out waiting for the verifier's " + what);
            }
            return packet;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** The prover's side learns that the verifier has stopped (it rejected, or it went away). */
    public static final class VerifierStopped extends RuntimeException {
        public VerifierStopped(String message) {
            super(message);
        }
    }
}
