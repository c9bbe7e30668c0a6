package org.safetynets.bench.compare;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;

import java.util.List;

/**
 * What one comparison runs.
 *
 * @param batches    batch sizes, each run on every network workload
 * @param runs       timed repetitions; medians are reported with min and max
 * @param warmup     untimed repetitions first (JIT, thread pools, device caches), at least this many
 * @param warmupSeconds and for at least this long, per (workload, batch): see {@link WarmUp}
 * @param backends   backend names; empty means every available one
 * @param workloads  the workloads, in report order
 * @param threads    host threads per backend, 0 for every core
 */
public record CompareOptions(List<Integer> batches, int runs, int warmup, double warmupSeconds, List<String> backends, List<Workload> workloads, int threads) {
    public static final List<Integer> DEFAULT_BATCHES = List.of(1, 16, 256, 4096);

    public CompareOptions {
        batches = List.copyOf(batches);
        backends = List.copyOf(backends);
        workloads = List.copyOf(workloads);
        if (batches.isEmpty()) throw new MalformedInput("--batches", "needs at least one batch size");
        for (int b : batches) {
            if (b < 1 || b > Limits.DEFAULTS.maxBatch()) {
                throw new MalformedInput("--batches", "each batch must be in 1.." + Limits.DEFAULTS.maxBatch() + ", got " + b);
            }
        }
        if (batches.stream().distinct().count() != batches.size()) throw new MalformedInput("--batches", "a batch size repeats: " + batches);
        if (runs < 1) throw new MalformedInput("--runs", "must be at least 1, got " + runs);
        if (warmup < 0) throw new MalformedInput("--warmup", "must be 0 or more, got " + warmup);
        if (!(warmupSeconds >= 0 && warmupSeconds <= 3600)) {
            throw new MalformedInput("--warmup-time", "must be in 0..3600 seconds, got " + warmupSeconds);
        }
        if (threads < 0) throw new MalformedInput("--threads", "must be 0 (every core) or a positive count, got " + threads);
        if (workloads.isEmpty()) throw new MalformedInput("--workloads", "selects nothing");
    }
}
