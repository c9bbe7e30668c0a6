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
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.proof.Proof;
import org.safetynets.proof.Prover;

import java.util.concurrent.TimeUnit;

/** One whole Fiat-Shamir proof of the demo CNN (forward pass included) on each backend. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
// the CPU backend's SIMD kernels; without tiers, which JDK 17 needs to compile them reliably (bin/java-env.sh)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation"})
public class DemoProofBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"1", "all"})
    public String threads;

    @Param({"16"})
    public int batch;

    private Backend opened;
    private Model model;
    private long[][] samples;

    @Setup
    public void setUp() {
        opened = BackendParams.open(backend, threads);
        model = DemoNetwork.build(1);
        samples = DemoNetwork.inputs(1, batch);
    }

    @TearDown
    public void tearDown() {
        opened.close();
    }

    @Benchmark
    public Proof prove() {
        return Prover.prove(model, samples, opened);
    }
}
