package org.safetynets.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WorkerPoolTest {
    private static final long PARALLEL = WorkerPool.PARALLEL_THRESHOLD;

    @Test
    void everyUnitRunsOnceAndTheCallerSeesEveryWrite() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int repetition = 0; repetition < 200; repetition++) {
                    int units = 1 + repetition % 37;
                    AtomicIntegerArray runs = new AtomicIntegerArray(units);
                    long[] written = new long[units];
                    pool.forRange(units, PARALLEL, (from, to) -> {
                        for (int u = from; u < to; u++) {
                            runs.incrementAndGet(u);
                            written[u] = u + 1; // a plain write the caller must see once forRange returns
                        }
                    });
                    for (int u = 0; u < units; u++) {
                        assertEquals(1, runs.get(u), "unit " + u + " of " + units + ", threads " + threads);
                        assertEquals(u + 1, written[u], "unit " + u + " of " + units + ", threads " + threads);
                    }
                    long[] sums = pool.sumRange(units, PARALLEL, 1, (from, to, out) -> out[0] = (long) (to - from));
                    assertArrayEquals(new long[] {units}, sums, "threads " + threads);
                }
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCallAfterTheOthersHaveRun() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray runs = new AtomicIntegerArray(16);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forRange(16, PARALLEL, (from, to) -> {
                for (int u = from; u < to; u++) runs.incrementAndGet(u);
                if (from == 0) throw new IllegalStateException("chunk from 0");
            }));
            assertEquals("chunk from 0", e.getMessage());
            for (int u = 0; u < 16; u++) assertEquals(1, runs.get(u), "unit " + u);
            // the pool still works after a failure
            long[] sums = pool.sumRange(16, PARALLEL, 1, (from, to, out) -> out[0] = to - from);
            assertArrayEquals(new long[] {16}, sums);
        }
    }
}
