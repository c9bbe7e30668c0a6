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

import java.util.concurrent.TimeUnit;

/**
 * The sum-check prover's kernels on each backend at the size of a large layer: 2^20-entry tables.
 * <ul>
 *   <li>{@code roundEvaluations}: one degree-3 round over three distinct tables (the first round, all live);</li>
 *   <li>{@code fold}: binding the top variable of one table. It runs in place on the same table every time:
 *       the work is the same whatever the values, so no reset is needed between invocations;</li>
 *   <li>{@code eqTable}: the eq(point, x) table over 20 variables;</li>
 *   <li>{@code weightedSquareSums}: one round of the x^2 sum-check, sum of W[i]*a_t^2 at t = 0 and 2 (t = 1 comes
 *       from the running claim), W holding half as many entries as the values.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"}) // the CPU backend's SIMD kernels
public class ProverKernelsBenchmark {
    static final int VARIABLES = 20;
    static final int ENTRIES = 1 << VARIABLES;
    static final int DEGREE = 3;
    private static final int[] FACTORS = {0, 1, 2};
    private static final int[] SQUARE_POINTS = {0, 2};

    private static final int SQUARE_LOW_VARIABLES = 10;

    @Param({"cpu"})
    public String backend;

    @Param({"1", "all"})
    public String threads;

    private Backend opened;
    private DeviceTensor[] tables;
    private DeviceTensor foldTable;
    private DeviceTensor squareWeightsHigh;
    private DeviceTensor squareWeightsLow;
    private long challenge;
    private long[] point;

    @Setup
    public void setUp() {
        opened = BackendParams.open(backend, threads);
        FieldFill fill = FieldFill.standard();
        tables = new DeviceTensor[FACTORS.length];
        for (int i = 0; i < tables.length; i++) tables[i] = opened.upload(fill.elements(ENTRIES));
        foldTable = opened.upload(fill.elements(ENTRIES));
        // Split weights as the prover passes them: a 2^10-entry low factor, a high factor over the rest.
        squareWeightsHigh = opened.upload(fill.elements((ENTRIES / 2) >> SQUARE_LOW_VARIABLES));
        squareWeightsLow = opened.upload(fill.elements(1 << SQUARE_LOW_VARIABLES));
        challenge = fill.nextElement();
        point = fill.elements(VARIABLES);
    }

    @TearDown
    public void tearDown() {
        for (DeviceTensor t : tables) t.close();
        foldTable.close();
        squareWeightsHigh.close();
        squareWeightsLow.close();
        opened.close();
    }

    @Benchmark
    public long[] roundEvaluations() {
        return opened.roundEvaluations(tables, FACTORS, ENTRIES / 2, DEGREE);
    }

    @Benchmark
    public DeviceTensor fold() {
        opened.fold(foldTable, ENTRIES / 2, challenge);
        opened.synchronize(); // a device backend returns once the kernel is queued
        return foldTable;
    }

    @Benchmark
    public long[] weightedSquareSums() {
        return opened.weightedSquareSums(squareWeightsHigh, squareWeightsLow, SQUARE_LOW_VARIABLES, tables[1], ENTRIES / 2,
                SQUARE_POINTS);
    }

    @Benchmark
    public int eqTable() {
        try (DeviceTensor eq = opened.eqTable(point)) {
            opened.synchronize();
            return eq.length();
        }
    }
}
