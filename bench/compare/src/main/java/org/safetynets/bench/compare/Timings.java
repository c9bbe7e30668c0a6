package org.safetynets.bench.compare;

import org.safetynets.backend.Backend;

import java.util.Arrays;

/** Wall-clock seconds of repeated runs, after warm-up. */
public record Timings(double[] seconds) {
    public Timings {
        if (seconds.length == 0) throw new IllegalArgumentException("no runs");
        seconds = seconds.clone();
    }

    @Override
    public double[] seconds() {
        return seconds.clone();
    }

    public double median() {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public double min() {
        return Arrays.stream(seconds).min().orElseThrow();
    }

    public double max() {
        return Arrays.stream(seconds).max().orElseThrow();
    }

    /**
     * Runs {@code body} untimed for as long as the warm-up rule says, then {@code runs} times timed, each timed run
     * ending once {@code backend} has completed what the body queued ({@link Backend#synchronize()}).
     */
    public static Timings measure(WarmUp.Rule warmUp, int runs, Backend backend, Runnable body) {
        for (WarmUp w = new WarmUp(warmUp); w.warming(); w.ranOne()) {
            body.run();
            backend.synchronize();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            body.run();
            backend.synchronize();
            seconds[i] = (System.nanoTime() - start) * 1e-9;
        }
        return new Timings(seconds);
    }
}
