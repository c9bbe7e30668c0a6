package org.safetynets.adversary;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.transcript.InteractiveTranscript;
import org.safetynets.transcript.Transcript;

/**
 * A cheating prover's side of a transcript: edits prover message number {@code message} (counted from 0, the
 * outputs first) and otherwise passes everything through. The prover behind it carries on with its honest state,
 * so every later message is what the honest prover would send after the honest one. The default edit adds 1 to
 * one element; on an interactive channel an edit may also send what {@link Transcript#message} would refuse to
 * (non-canonical values, another label or length), as a prover on a real wire could. An F_p^2 message is edited as
 * the words it travels as (re, im of each element in turn), so element k of an edit is word k.
 */
public final class TamperingTranscript extends ForwardingTranscript {
    /** What the cheater sends instead of the honest message. */
    @FunctionalInterface
    public interface Edit {
        Sent apply(String label, long[] honest);
    }

    /** A message as put on the wire. */
    public record Sent(String label, long[] values) {
    }

    private final int message;
    private final Edit edit;
    private int messages;
    private boolean tampered;

    public TamperingTranscript(Transcript inner, int message, Edit edit) {
        super(inner);
        this.message = message;
        this.edit = edit;
    }

    /** Adds 1 to element {@code element} of the message (no change if the message is shorter). */
    public TamperingTranscript(Transcript inner, int message, int element) {
        this(inner, message, (label, honest) -> {
            long[] values = honest.clone();
            if (element < values.length) values[element] = Fp.add(values[element], 1);
            return new Sent(label, values);
        });
    }

    /** Whether the chosen message was reached and changed. */
    public boolean tampered() {
        return tampered;
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        if (messages++ != message) return inner.message(label, length, proverValues);
        send(label, proverValues, false);
        return proverValues; // the cheating prover carries on with its honest state
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        if (messages++ != message) return inner.extensionMessage(label, length, proverValues);
        send(label, Fp2.toWords(proverValues), true);
        return proverValues;
    }

    /** Puts the edited words on the wire: as the same kind of message where they can be one, else as raw words. */
    private void send(String label, long[] honestWords, boolean extension) {
        Sent sent = edit.apply(label, honestWords.clone());
        boolean canonical = true;
        for (long v : sent.values()) canonical &= Fp.isCanonical(v);
        tampered = !sent.label().equals(label) || !java.util.Arrays.equals(sent.values(), honestWords);
        boolean sameShape = sent.label().equals(label) && sent.values().length == honestWords.length;
        if (inner instanceof InteractiveTranscript channel && (!canonical || !sameShape)) {
            channel.sendUnchecked(sent.label(), sent.values());
        } else if (extension && sent.values().length % 2 == 0) {
            Fp2[] values = Fp2.fromWords(sent.values());
            inner.extensionMessage(sent.label(), values.length, values);
        } else {
            // A proof file is only words: an odd-length edit of an extension message is written as base words.
            inner.message(sent.label(), sent.values().length, sent.values());
        }
    }

}
