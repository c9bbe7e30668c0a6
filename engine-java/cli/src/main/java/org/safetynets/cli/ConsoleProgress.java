package org.safetynets.cli;

import org.safetynets.proof.Prover;

import java.io.PrintWriter;

/**
 * One self-overwriting status line on stderr for long proofs. It shows only on a terminal (a log would fill
 * with carriage returns) and only once the proof has run for a while, so short proofs print nothing.
 */
final class ConsoleProgress implements Prover.Progress, AutoCloseable {
    private static final long QUIET_NANOS = 500_000_000L;

    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private int shownWidth;

    private ConsoleProgress(PrintWriter err, String label, boolean enabled) {
        this.err = err;
        this.label = label;
        this.enabled = enabled;
    }

    /** Shows progress, each line starting with {@code label}, when the process runs on a terminal. */
    static ConsoleProgress onTerminal(PrintWriter err, String label) {
        return new ConsoleProgress(err, label, System.console() != null);
    }

    @Override
    public void step(String what, int done, int total) {
        if (!enabled || System.nanoTime() - start < QUIET_NANOS) return;
        String line = label + ": " + done + "/" + total + " done, last " + what;
        err.print("\r" + line + " ".repeat(Math.max(0, shownWidth - line.length())));
        err.flush();
        shownWidth = line.length();
    }

    /** Clears the status line. */
    @Override
    public void close() {
        if (shownWidth == 0) return;
        err.print("\r" + " ".repeat(shownWidth) + "\r");
        err.flush();
        shownWidth = 0;
    }
}
