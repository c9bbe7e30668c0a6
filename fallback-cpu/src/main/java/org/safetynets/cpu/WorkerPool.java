package org.safetynets.cpu;

import org.safetynets.field.Fp;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
     * from a shared counter: the caller does not sit idle, and uneven chunks balance themselves. The caller returns
     * once every chunk has run, without waiting for a helper task that found none left: on a busy machine a helper
     * may be scheduled only after the caller has run every chunk itself, and waiting for it to start only to find
     * nothing to do cost the small calls of a proof (a sum-check round over a few thousand pairs) more than they
     * gained from the split.
     */
    private void dispatch(int chunks, java.util.function.IntConsumer chunk) {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger unfinished = new AtomicInteger(chunks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.currentThread();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    chunk.accept(c);
                } catch (Throwable t) {
                    if (!failure.compareAndSet(null, t)) failure.get().addSuppressed(t);
                } finally {
                    if (unfinished.decrementAndGet() == 0) LockSupport.unpark(caller);
                }
            }
        };
        int helpers = Math.min(threads - 1, chunks - 1);
        for (int i = 0; i < helpers; i++) pool.execute(worker);
        worker.run();
        // every chunk has been taken; wait for those a helper is still running (unpark makes a later park return)
        while (unfinished.get() != 0) LockSupport.park(this);
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) throw e;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    private int chunks(int units, long work) {
        if (pool == null || work < PARALLEL_THRESHOLD || units == 1) return 1;
        return (int) Math.min(units, (long) threads * CHUNKS_PER_THREAD);
    }

    private static int bound(int units, int chunks, int c) {
        return (int) ((long) units * c / chunks);
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
