package org.safetynets.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.bench.FieldFill;
import org.safetynets.bench.MatmulShape;

import java.util.concurrent.TimeUnit;

/** Each backend's field matrix product, size^3, operands resident; time per product. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// the CPU backend's SIMD kernels; without tiers, which JDK 17 needs to compile them reliably (bin/java-env.sh)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation"})
public class MatmulBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "all"})
    public String threads;

    @Param({"256"})
    public int size;

    private Backend opened;
    private DeviceTensor a;
    private DeviceTensor b;

    @Setup
    public void setUp() {
        opened = BackendParams.open(backend, threads);
        FieldFill.Operands operands = FieldFill.Operands.standard(new MatmulShape(size, size, size));
        a = opened.upload(operands.a());
        b = opened.upload(operands.b());
    }

    @TearDown
    public void tearDown() {
        a.close();
        b.close();
        opened.close();
    }

    @Benchmark
    public int matmul() {
        try (DeviceTensor c = opened.matmul(a, b, size, size, size)) {
            opened.synchronize(); // a device backend returns once the kernel is queued
            return c.length();
        }
    }
}
