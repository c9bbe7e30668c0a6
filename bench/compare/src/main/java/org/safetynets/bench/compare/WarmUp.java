package org.safetynets.bench.compare;

/**
 * When a (workload, batch)'s untimed repetitions end: after at least {@link CompareOptions#warmup()} of them and at
 * least {@link CompareOptions#warmupSeconds()} of them, whichever comes later.
 *
 * <p>Why time and not only a count: a count that warms a large batch (each repetition seconds long) leaves a small one
 * cold. At batch 1 a repetition takes milliseconds, and the CPU backend is not at its steady speed before about 300
 * proofs of the shipped MNIST CNN: its kernels move from scalar to SIMD code after 8 Mi table elements, a proof of one
 * sample hands it about 30 Ki, and C2 then compiles the SIMD kernels (bench/README.md, "bench compare"). Warm-up
 * repetitions skip the garbage collections that start each timed call (they only keep one call's garbage off
 * another's clock), so they run at the job's own pace: about 27 ms a repetition at batch 1 here (float inference,
 * field inference, the prover and the verifier), so the CLI's default of 15 s runs about 550 (8 s, about 300, left
 * the first timed runs in the middle of the switch to SIMD).
 */
public final class WarmUp {
    /**
     * How long a warm-up lasts: at least {@code runs} repetitions and at least {@code seconds} of them. The core
     * benchmark ({@code bench/run-core.sh}) takes the same rule: a count alone left its short measurements (a dense
     * layer of 0.5 ms, the demo CNN's proof) timing code the JIT had not yet compiled.
     */
    public record Rule(int runs, double seconds) {
        public Rule {
            if (runs < 0) throw new IllegalArgumentException("negative warm-up runs: " + runs);
            if (!(seconds >= 0 && seconds <= 3600)) throw new IllegalArgumentException("warm-up seconds must be in 0..3600, got " + seconds);
        }

        /** For progress lines and report headers: what the warm-up will be. */
        public String describe() {
            return String.format("warm-up of at least %d runs and %.1f s", runs, seconds);
        }
    }

    private final int minimumRuns;
    private final long until;
    private int done;

    /** Starts the clock now. */
    public WarmUp(Rule rule) {
        this.minimumRuns = rule.runs();
        this.until = System.nanoTime() + (long) (rule.seconds() * 1e9);
    }

    WarmUp(CompareOptions options) {
        this(rule(options));
    }

    /** Whether the next repetition is still a warm-up one; once false, false for good. */
    public boolean warming() {
        return done < minimumRuns || System.nanoTime() - until < 0;
    }

    public void ranOne() {
        done++;
    }

    /** Warm-up repetitions run so far. */
    public int done() {
        return done;
    }

    static Rule rule(CompareOptions options) {
        return new Rule(options.warmup(), options.warmupSeconds());
    }

    /** For progress lines: what the warm-up will be. */
    static String describe(CompareOptions options) {
        return rule(options).describe();
    }
}
