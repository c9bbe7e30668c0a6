package org.safetynets.proof;

import org.safetynets.transcript.Transcript;

import java.util.ArrayList;
import java.util.List;

/** Wraps a transcript and records each (kind, label, length) event, to compare the two sides' schedules. */
final class RecordingTranscript implements Transcript {
    final List<String> events = new ArrayList<>();
    private final Transcript inner;

    RecordingTranscript(Transcript inner) {
        this.inner = inner;
    }

    @Override
    public Role role() {
        return inner.role();
    }

    @Override
    public void absorbPublic(String label, long[] values) {
        events.add("public " + label + " " + values.length);
        inner.absorbPublic(label, values);
    }

    @Override
    public void absorbPublicBytes(String label, byte[] bytes) {
        events.add("public-bytes " + label + " " + bytes.length);
        inner.absorbPublicBytes(label, bytes);
    }

    @Override
    public long[] message(String label, int length, long[] proverValues) {
        events.add("message " + label + " " + length);
        return inner.message(label, length, proverValues);
    }

    @Override
    public long challenge(String label) {
        events.add("challenge " + label);
        return inner.challenge(label);
    }
}
