package org.safetynets.adversary;

import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the cheating strategies and the mutated proofs tried, per transcript mode, and how many were rejected.
 * Thread-safe, as JUnit may run tests concurrently; one instance per test class.
 */
public final class Tally {
    public enum Mode { FIAT_SHAMIR, INTERACTIVE }

    private final Map<String, long[]> byStrategy = new TreeMap<>(); // strategy -> {fs tried, fs rejected, int tried, int rejected}

    public synchronized void record(String strategy, Mode mode, boolean rejected) {
        long[] counts = byStrategy.computeIfAbsent(strategy, s -> new long[4]);
        int at = mode == Mode.FIAT_SHAMIR ? 0 : 2;
        counts[at]++;
        if (rejected) counts[at + 1]++;
    }

    public synchronized int strategies() {
        return byStrategy.size();
    }

    public synchronized long tried(Mode mode) {
        int at = mode == Mode.FIAT_SHAMIR ? 0 : 2;
        return byStrategy.values().stream().mapToLong(c -> c[at]).sum();
    }

    public synchronized long rejected(Mode mode) {
        int at = mode == Mode.FIAT_SHAMIR ? 1 : 3;
        return byStrategy.values().stream().mapToLong(c -> c[at]).sum();
    }

    /** One line for the build log, then one line per strategy. */
    public synchronized String summary() {
        StringBuilder text = new StringBuilder(String.format("adversary summary: %d strategies; Fiat-Shamir %d mutated proofs, %d rejected; "
                        + "interactive %d cheating sessions, %d rejected", strategies(), tried(Mode.FIAT_SHAMIR), rejected(Mode.FIAT_SHAMIR),
                tried(Mode.INTERACTIVE), rejected(Mode.INTERACTIVE)));
        byStrategy.forEach((name, c) -> text.append(String.format("%n  %-44s FS %5d/%-5d interactive %5d/%d", name, c[1], c[0], c[3], c[2])));
        return text.toString();
    }
}
