package org.safetynets.proof;

import org.safetynets.field.Fp;
import org.safetynets.transcript.Transcript;

/** A cheating prover's side of a transcript: adds 1 to element {@code element} of prover message number {@code message}. */
final class TamperingTranscript implements Transcript {
    private final Transcript inner;
    private final int message;
    private final int element;
    private int messages;
    boolean tampered;

    TamperingTranscript(Transcript inner, int message, int element) {
        this.inner = inner;
        this.message = message;
        this.element = element;
    }

    @Override
    public Role role() {
        return inner.role();
    }

    @Override
    public void absorbPublic(String label, long[] values) {
        inner.absorbPublic(label, values);
    }

    @Override
    public void absorbPublicBytes(String label, byte[] bytes) {
        inner.absorbPublicBytes(label, bytes);
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        long[] values = proverValues.clone();
        if (messages++ == message && element < length) {
            values[element] = Fp.add(values[element], 1);
            tampered = true;
        }
        inner.message(label, length, values);
        return proverValues; // the cheating prover carries on with its honest state
    }

    @Override
    public long challenge(String label) {
        return inner.challenge(label);
    }
}
