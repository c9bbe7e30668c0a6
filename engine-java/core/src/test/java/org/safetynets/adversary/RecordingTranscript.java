package org.safetynets.adversary;

import org.safetynets.field.Fp2;
import org.safetynets.transcript.PublicBytes;
import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a transcript and records each (kind, label, length) event, to compare the two sides' schedules, and the
 * value of every challenge, to check what the challenges depend on.
 */
public final class RecordingTranscript extends ForwardingTranscript {
    public final List<String> events = new ArrayList<>();
    public final List<Fp2> challenges = new ArrayList<>();

    public RecordingTranscript(Transcript inner) {
        super(inner);
    }

    @Override
    public void absorbPublic(String label, long[] values) {
        events.add("public " + label + " " + values.length);
        inner.absorbPublic(label, values);
    }

    @Override
    public void absorbPublicBytes(String label, PublicBytes bytes) {
        events.add("public-bytes " + label + " " + bytes.length());
        inner.absorbPublicBytes(label, bytes);
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        events.add("message " + label + " " + length);
        return inner.message(label, length, proverValues);
    }

    @Override
    public Fp2[] extensionMessage(String label, int length, Fp2[] proverValues) {
        events.add("extension-message " + label + " " + length);
        return inner.extensionMessage(label, length, proverValues);
    }

    @Override
    public Fp2 challenge(String label) {
        events.add("challenge " + label);
        Fp2 r = inner.challenge(label);
        challenges.add(r);
        return r;
    }
}
