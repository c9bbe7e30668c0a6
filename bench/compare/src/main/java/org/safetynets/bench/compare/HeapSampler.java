package org.safetynets.bench.compare;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The most Java heap in use (MemoryMXBean's heap "used": live objects and garbage not yet collected) during a
 * measured call, read every millisecond by a daemon thread and once more at each end of the call. Samples miss
 * spikes shorter than the period, so a peak is a lower bound on the true one; callers collect garbage before
 * the call so that the baseline is the live heap.
 */
final class HeapSampler implements AutoCloseable {
    private static final long PERIOD_NANOS = 1_000_000L;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HeapSampler() {
        thread = new Thread(this::sample, "heap-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Heap used now. */
    long used() {
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** Starts a new window at the heap used now. */
    void reset() {
        peak.set(used());
    }

    /** The peak since {@link #reset()}, including a sample taken now. */
    long peak() {
        return peak.accumulateAndGet(used(), Math::max);
    }

    private void sample() {
        while (running) {
            peak.accumulateAndGet(used(), Math::max);
            java.util.concurrent.locks.LockSupport.parkNanos(PERIOD_NANOS);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
