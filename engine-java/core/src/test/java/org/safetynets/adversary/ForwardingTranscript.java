package org.safetynets.adversary;

import org.safetynets.field.Fp2;
import org.safetynets.transcript.PublicBytes;
import org.safetynets.transcript.Transcript;

/**
 * A transcript that passes every step to another: the base of the test transcripts that watch or change one kind
 * of step (record the schedule, tamper with a message, lie consistently) and leave the rest to the real one.
 */
public abstract class ForwardingTranscript implements Transcript {
    protected final Transcript inner;

    protected ForwardingTranscript(Transcript inner) {
        this.inner = inner;
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
    public void absorbPublicBytes(String label, PublicBytes bytes) {
        inner.absorbPublicBytes(label, bytes);
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        return inner.message(label, length, proverValues);
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        return inner.extensionMessage(label, length, proverValues);
    }

    @Override
    public Fp2 challenge(String label) {
        return inner.challenge(label);
    }
}
