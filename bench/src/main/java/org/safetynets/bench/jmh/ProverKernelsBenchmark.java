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
import org.safetynets.backend.SquareRounds;
import org.safetynets.bench.FieldFill;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Univariate;

import java.util.concurrent.TimeUnit;

/**
 * The sum-check prover's kernels on each backend at the size of a large layer: 2^20-entry tables.
 * <ul>
 *   <li>{@code roundEvaluations}: one degree-3 round over three distinct tables (the first round, all live);</li>
 *   <li>{@code fold}: binding the top variable of one table. It runs in place on the same table every time:
 *       the work is the same whatever the values, so no reset is needed between invocations;</li>
 *   <li>{@code eqTable}: the eq(point, x) table over 20 variables;</li>
 *   <li>{@code squareRounds}: the x^2 sum-check's every round over 2^20 small activations, with F_p^2 eq weights
 *       and F_p^2 challenges, as the prover runs it ({@link Backend#squareRounds}).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// the CPU backend's SIMD kernels; without tiers, which JDK 17 needs to compile them reliably (bin/java-env.sh)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation"})
public class ProverKernelsBenchmark {
    static final int VARIABLES = 20;
    static final int ENTRIES = 1 << VARIABLES;
    static final int DEGREE = 3;
    private static final int[] FACTORS = {0, 1, 2};

    @Param({"cpu"})
    public String backend;

    @Param({"1", "all"})
    public String threads;

    private Backend opened;
    private DeviceTensor[] tables;
    private DeviceTensor foldTable;
    private DeviceTensor activations;
    private Fp2[] squareZero;
    private Fp2[] squareOne;
    private long challenge;
    private long[] point;

    @Setup
    public void setUp() {
        opened = BackendParams.open(backend, threads);
        FieldFill fill = FieldFill.standard();
        tables = new DeviceTensor[FACTORS.length];
        for (int i = 0; i < tables.length; i++) tables[i] = opened.upload(fill.elements(ENTRIES));
        foldTable = opened.upload(fill.elements(ENTRIES));
        long[] small = new long[ENTRIES];
        for (int i = 0; i < ENTRIES; i++) small[i] = Math.floorMod((long) (fill.nextElement() % (1 << 15)) - (1 << 14), Fp.P);
        activations = opened.upload(small);
        squareZero = new Fp2[VARIABLES];
        squareOne = new Fp2[VARIABLES];
        for (int j = 0; j < VARIABLES; j++) {
            squareOne[j] = new Fp2(fill.nextElement(), fill.nextElement());
            squareZero[j] = Fp2.ONE.sub(squareOne[j]);
        }
        challenge = fill.nextElement();
        point = fill.elements(VARIABLES);
    }

    @TearDown
    public void tearDown() {
        for (DeviceTensor t : tables) t.close();
        foldTable.close();
        activations.close();
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

    /** Extension challenges never fold the activations in place, so every invocation sees the same values. */
    @Benchmark
    public Fp2 squareRounds() {
        try (SquareRounds rounds = opened.squareRounds(squareZero, squareOne, activations)) {
            Fp2 claim = Fp2.ZERO;
            for (int m = VARIABLES - 1; m >= 0; m--) {
                Fp2[] s = rounds.roundPolynomial(claim);
                claim = Univariate.evaluate(s, squareOne[m]);
                rounds.bind(squareOne[m]);
            }
            return rounds.finalValue();
        }
    }

    @Benchmark
    public int eqTable() {
        try (DeviceTensor eq = opened.eqTable(point)) {
            opened.synchronize();
            return eq.length();
        }
    }
}
