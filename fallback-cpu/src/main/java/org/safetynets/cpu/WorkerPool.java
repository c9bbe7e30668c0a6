package org.safetynets.cpu;

import org.safetynets.field.Fp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The CPU backend's threads: a {@link ForkJoinPool} owned by one backend and shut down with it. Work is a range
 * of independent units [0, n) split into contiguous chunks; with one thread, or too little work to pay for the
 * hand-off, the caller runs it inline.
 *
 * <p>Field arithmetic is exact, so how a range is split never changes a result: partial sums are combined with
 * {@link Fp#add} in any order.
 */
final class WorkerPool implements AutoCloseable {
    /** Below this many elementary operations a kernel runs on the caller's thread. */
    static final long PARALLEL_THRESHOLD = 1 << 16;
    /** Chunks per thread, so that uneven units (conv rows at the border) still balance. */
    private static final int CHUNKS_PER_THREAD = 4;

    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    @FunctionalInterface
    interface SumBody {
        /** Writes the chunk's result into {@code out} (zero on entry; canonical on return when summed). */
        void run(int from, int to, long[] out);
    }

    private final int threads;
    private final ForkJoinPool pool;

    WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be positive: " + threads);
        this.threads = threads;
        // The caller works too (see dispatch), so threads - 1 pool workers make `threads` in all.
        this.pool = threads == 1 ? null : new ForkJoinPool(threads - 1);
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over [0, units), split in contiguous chunks.
     *
     * @param work an estimate of the elementary operations in the whole range, to decide whether to split
     */
    void forRange(int units, long work, RangeBody body) {
        if (units <= 0) return;
        int chunks = chunks(units, work);
        if (chunks == 1) {
            body.run(0, units);
            return;
        }
        dispatch(chunks, c -> body.run(bound(units, chunks, c), bound(units, chunks, c + 1)));
    }

    /** Sums {@code width} field elements over [0, units): each chunk fills its own partial sums, then they are added. */
    long[] sumRange(int units, long work, int width, SumBody body) {
        long[] total = new long[width];
        for (long[] partial : partials(units, work, width, body)) {
            for (int i = 0; i < width; i++) total[i] = Fp.add(total[i], partial[i]);
        }
        return total;
    }

    /** Runs {@code body} over [0, units) in chunks, each with its own zeroed array of {@code width}; returns them. */
    long[][] partials(int units, long work, int width, SumBody body) {
        if (units <= 0) return new long[0][];
        int chunks = chunks(units, work);
        long[][] partials = new long[chunks][width];
        if (chunks == 1) {
            body.run(0, units, partials[0]);
            return partials;
        }
        dispatch(chunks, c -> body.run(bound(units, chunks, c), bound(units, chunks, c + 1), partials[c]));
        return partials;
    }

    /**
     * Runs chunk indices 0..chunks-1 on the pool's workers and on the calling thread, each taking the next index
     * from a shared counter: the caller does not sit idle, and uneven chunks balance themselves.
     */
    private void dispatch(int chunks, java.util.function.IntConsumer chunk) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) chunk.accept(c);
        };
        int helpers = Math.min(threads - 1, chunks - 1);
        List<ForkJoinTask<?>> tasks = new ArrayList<>(helpers);
        for (int i = 0; i < helpers; i++) tasks.add(pool.submit(worker));
        try {
            worker.run();
        } finally {
            joinAll(tasks);
        }
    }

    private int chunks(int units, long work) {
        if (pool == null || work < PARALLEL_THRESHOLD || units == 1) return 1;
        return (int) Math.min(units, (long) threads * CHUNKS_PER_THREAD);
    }

    private static int bound(int units, int chunks, int c) {
        return (int) ((long) units * c / chunks);
    }

    private static void joinAll(List<ForkJoinTask<?>> tasks) {
        RuntimeException failure = null;
        for (ForkJoinTask<?> task : tasks) {
            try {
                task.join();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
