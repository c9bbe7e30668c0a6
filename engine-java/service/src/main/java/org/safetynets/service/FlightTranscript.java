package org.safetynets.service;

import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.OutboundStreamListener;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.safetynets.MalformedInput;
import org.safetynets.ProofRejected;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.transcript.InteractiveTranscript;
import org.safetynets.transcript.PublicBytes;
import org.safetynets.transcript.Transcript;

import java.security.SecureRandom;

/**
 * The interactive channel over one Arrow Flight {@code DoExchange}: the network counterpart of
 * {@link InteractiveTranscript}, so that {@code Prover.prove} runs on the host and {@code Verifier.verify} on the
 * client unchanged.
 *
 * <p>On the wire (each step one Flight message; see {@link Frame}): the base-field message (the outputs) is a record
 * batch of the outputs schema, one row per sample, values as signed integers (the model's integer outputs, the
 * embedding of F_p in ±(p-1)/2), with a {@code BATCH_MESSAGE} frame naming its label; every F_p^2 message is an
 * {@code EXTENSION_MESSAGE} frame of words; every challenge a {@code CHALLENGE} frame of two words, drawn by the
 * client from {@link SecureRandom} only after it has received the message the challenge binds. The client's verdict
 * frame ends the exchange.
 *
 * <p>Public values are not sent: both sides hold them, and fresh coins cannot depend on them.
 */
final class FlightTranscript implements Transcript {
    /** A client's verdict frame: "ACCEPT", or "REJECT: reason". */
    private static final String ACCEPT = "ACCEPT";
    private static final String REJECT = "REJECT";
    /** How much of a client's verdict the host logs. */
    private static final int VERDICT_LOGGED_CHARS = 300;

    private final Role role;
    private final FlightStream inbound;
    private final OutboundStreamListener outbound;
    private final BufferAllocator allocator;
    private final int outputWidth;
    /** The prover's outputs root, already started on {@code outbound}; null on the verifier's side. */
    private final VectorSchemaRoot outputs;
    private final SecureRandom coins;
    private final String peer;

    private FlightTranscript(Role role, FlightStream inbound, OutboundStreamListener outbound, BufferAllocator allocator, int outputWidth,
                             VectorSchemaRoot outputs, String peer) {
        this.role = role;
        this.inbound = inbound;
        this.outbound = outbound;
        this.allocator = allocator;
        this.outputWidth = outputWidth;
        this.outputs = outputs;
        this.coins = role == Role.VERIFIER ? new SecureRandom() : null;
        this.peer = peer;
    }

    /** The host's end: {@code outputs} is a root of {@link ArrowBatches#schema}(outputWidth) already started on {@code outbound}. */
    static FlightTranscript prover(FlightStream inbound, OutboundStreamListener outbound, BufferAllocator allocator, VectorSchemaRoot outputs,
                                   int outputWidth) {
        return new FlightTranscript(Role.PROVER, inbound, outbound, allocator, outputWidth, outputs, "client");
    }

    /** The client's end: it has sent its input batch; the host's outputs schema arrives on {@code inbound}. */
    static FlightTranscript verifier(FlightStream inbound, OutboundStreamListener outbound, BufferAllocator allocator, int outputWidth) {
        return new FlightTranscript(Role.VERIFIER, inbound, outbound, allocator, outputWidth, null, "host");
    }

    @Override
    public Role role() {
        return role;
    }

    @Override
    public void absorbPublic(String label, long[] values) {
    }

    @Override
    public void absorbPublicBytes(String label, PublicBytes bytes) {
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        if (length % outputWidth != 0) throw new IllegalStateException("message '" + label + "' of " + length + " is not whole rows of " + outputWidth);
        int rows = length / outputWidth;
        if (role == Role.PROVER) {
            if (proverValues == null || proverValues.length != length) throw new IllegalStateException("prover message '" + label + "' must have " + length + " elements");
            long[][] signed = new long[rows][outputWidth];
            for (int i = 0; i < length; i++) {
                if (!Fp.isCanonical(proverValues[i])) throw new IllegalStateException("prover message '" + label + "' element " + i + " is not canonical");
                signed[i / outputWidth][i % outputWidth] = Fp.toSigned(proverValues[i]);
            }
            ArrowBatches.fill(outputs, outputWidth, signed);
            outbound.putNext(new Frame(Frame.Kind.BATCH_MESSAGE, label, new byte[0]).toBuffer(allocator));
            return proverValues.clone();
        }
        if (proverValues != null) throw new IllegalStateException("the verifier does not supply prover messages");
        Frame frame = receive("message '" + label + "'");
        expect(frame, Frame.Kind.BATCH_MESSAGE, label);
        long[][] signed;
        try {
            // A message before any schema: getRoot() would wait for a schema that may never come (whatever --timeout says).
            if (!inbound.hasRoot()) throw new ProofRejected("the host sent its message '" + label + "' without a schema before it");
            signed = ArrowBatches.read(inbound.getRoot(), outputWidth, rows, rows + " rows of this message", "the host's message '" + label + "'");
        } catch (MalformedInput e) {
            throw new ProofRejected(e.getMessage());
        }
        if (signed.length != rows) throw new ProofRejected("message '" + label + "' has " + signed.length + " rows, expected " + rows);
        long[] values = new long[length];
        for (int i = 0; i < length; i++) {
            long v = signed[i / outputWidth][i % outputWidth];
            if (v > Fp.MAX_SIGNED || v < -Fp.MAX_SIGNED) {
                throw new ProofRejected("message '" + label + "' element " + i + " is outside the field's signed range");
            }
            values[i] = Fp.fromSigned(v);
        }
        return values;
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        if (role == Role.PROVER) {
            if (proverValues == null || proverValues.length != length) throw new IllegalStateException("prover message '" + label + "' must have " + length + " elements");
            outbound.putMetadata(Frame.words(Frame.Kind.EXTENSION_MESSAGE, label, Fp2.toWords(proverValues)).toBuffer(allocator));
            return proverValues.clone();
        }
        if (proverValues != null) throw new IllegalStateException("the verifier does not supply prover messages");
        Frame frame = receive("message '" + label + "'");
        expect(frame, Frame.Kind.EXTENSION_MESSAGE, label);
        long[] words;
        try {
            words = frame.words("the host's message '" + label + "'");
        } catch (MalformedInput e) {
            throw new ProofRejected(e.getMessage());
        }
        if (words.length != 2L * length) {
            throw new ProofRejected("expected message '" + label + "' of " + length + " elements, the host sent " + words.length / 2.0);
        }
        for (int i = 0; i < length; i++) {
            if (!Fp.isCanonical(words[2 * i]) || !Fp.isCanonical(words[2 * i + 1])) {
                throw new ProofRejected("message '" + label + "' element " + i + " is not a canonical field element");
            }
        }
        return Fp2.fromWords(words);
    }

    @Override
    public Fp2 challenge(String label) {
        if (role == Role.VERIFIER) {
            // Drawn now, after the message it binds has been received: the host cannot have seen it.
            Fp2 r = Fp2.random(coins);
            outbound.putMetadata(Frame.words(Frame.Kind.CHALLENGE, label, new long[] {r.re(), r.im()}).toBuffer(allocator));
            return r;
        }
        Frame frame = receive("challenge '" + label + "'");
        if (frame.kind() == Frame.Kind.VERDICT) {
            // A verifier stops early only to reject (a message failed its check); it cannot accept before the last one.
            String verdict = verdictText(frame);
            if (!verdict.startsWith(REJECT)) {
                throw new MalformedInput("client", "its verdict '" + verdict + "' came before the protocol finished (at challenge '" + label + "')");
            }
            throw new InteractiveTranscript.VerifierStopped(verdict + " (at challenge '" + label + "', before the end of the protocol)");
        }
        if (frame.kind() != Frame.Kind.CHALLENGE || !frame.label().equals(label)) {
            throw new MalformedInput("client", "expected challenge '" + label + "', got " + frame.kind() + " '" + frame.label() + "'");
        }
        long[] words = frame.words("client");
        if (words.length != 2 || !Fp.isCanonical(words[0]) || !Fp.isCanonical(words[1])) {
            throw new MalformedInput("client", "challenge '" + label + "' is not one canonical F_p^2 element");
        }
        return new Fp2(words[0], words[1]);
    }

    /**
     * The text of a client's verdict frame, "ACCEPT" or "REJECT: reason" (the reason cut for the host's log);
     * MalformedInput if it is neither.
     */
    static String verdictText(Frame frame) {
        String text = frame.text();
        if (!text.equals(ACCEPT) && !text.startsWith(REJECT)) throw new MalformedInput("client", "its verdict is neither ACCEPT nor REJECT");
        return text.length() > VERDICT_LOGGED_CHARS ? text.substring(0, VERDICT_LOGGED_CHARS) + "..." : text;
    }

    /** The host's last frame: the proof is complete. */
    void sendEnd() {
        outbound.putMetadata(new Frame(Frame.Kind.END, "", new byte[0]).toBuffer(allocator));
    }

    /**
     * The client's check that the host's frame after the schedule's last message is its end frame: no message beyond
     * the schedule (a proof file's "no trailing bytes"). What follows the end frame is outside the proof, read and
     * ignored as in prove mode ({@code ProverClient.letTheHostEnd}).
     */
    void requireEnd() {
        Frame frame = receive("end of the proof");
        if (frame.kind() != Frame.Kind.END) throw new ProofRejected("the host sent " + frame.kind() + " '" + frame.label() + "' after the last message of the proof");
    }


    /**
     * The next frame from the peer. On the verifier's side anything but a well-formed frame is a rejection; a
     * transport failure (the host went away) propagates as it is: that is no verdict. On the prover's side the end
     * of the client's stream means the client stopped, and a second schema is malformed ({@link ClientStream}).
     */
    private Frame receive(String what) {
        if (!(role == Role.PROVER ? ClientStream.next(inbound) : inbound.next())) {
            if (role == Role.VERIFIER) throw new ProofRejected("the host ended the exchange before its " + what);
            throw new InteractiveTranscript.VerifierStopped("none (the client ended the exchange before the " + what + ")");
        }
        try {
            // A client's frames are a challenge or its verdict, a few words: a longer one is refused before it is copied.
            return Frame.read(inbound.getLatestMetadata(), peer, role == Role.PROVER ? Frame.MAX_CLIENT_BYTES : Integer.MAX_VALUE);
        } catch (MalformedInput e) {
            if (role == Role.VERIFIER) throw new ProofRejected(e.getMessage());
            throw e;
        }
    }

    private static void expect(Frame frame, Frame.Kind kind, String label) {
        if (frame.kind() != kind || !frame.label().equals(label)) {
            throw new ProofRejected("expected " + kind + " '" + label + "', the host sent " + frame.kind() + " '" + frame.label() + "'");
        }
    }
}
