package org.safetynets.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.safetynets.bench.FieldFill;
import org.safetynets.field.Fp;

import java.util.concurrent.TimeUnit;

/**
 * {@link Fp#mul} on one thread: {@code independent} is throughput (products that do not depend on each other, as
 * in a matrix product), {@code dependent} is latency (each product feeds the next, as in a power ladder).
 * Scores are field multiplications per microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FieldMulBenchmark {
    static final int N = 1024;

    long[] a;
    long[] b;
    long[] c;

    @Setup
    public void setUp() {
        FieldFill fill = FieldFill.standard();
        a = fill.elements(N);
        b = fill.elements(N);
        c = new long[N];
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long[] independent() {
        for (int i = 0; i < N; i++) c[i] = Fp.mul(a[i], b[i]);
        return c;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long dependent() {
        long x = a[0];
        for (int i = 0; i < N; i++) x = Fp.mul(x, b[i]);
        return x;
    }
}
