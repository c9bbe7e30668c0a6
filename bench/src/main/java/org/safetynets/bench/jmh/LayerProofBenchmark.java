package org.safetynets.bench.jmh;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import org.safetynets.layer.Claim;
import org.safetynets.layer.Network;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.poly.Multilinear;
import org.safetynets.proof.InputBatch;
import org.safetynets.transcript.FiatShamirTranscript;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One layer's whole sub-protocol (the prover's side) on each backend: the demo CNN at batch {@code batch}, step
 * {@code step} of its compiled network (0 conv 5x5 1->8, 1 x^2+pool, 2 conv 5x5 8->16, 3 x^2+pool, 4 dense
 * 784->10). The claim on the layer's output is a true one at a fixed random point, as the protocol hands it down.
 * The sub-protocol folds its input in place, so each invocation gets a fresh copy uploaded in an untimed setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// the CPU backend's SIMD kernels; without tiers, which JDK 17 needs to compile them reliably (bin/java-env.sh)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation"})
public class LayerProofBenchmark {
    @Param({"cpu"})
    public String backend;

    @Param({"all"})
    public String threads;

    @Param({"0", "1", "2", "3", "4"})
    public int step;

    @Param({"64"})
    public int batch;

    private Backend opened;
    private Network.Step layer;
    private long[] layerInput;
    private Claim outputClaim;
    private DeviceTensor input;

    @Setup(Level.Trial)
    public void setUp() {
        opened = BackendParams.open(backend, threads);
        Model model = DemoNetwork.build(1);
        Network network = Network.compile(model, batch);
        List<Network.Step> steps = network.steps();
        if (step < 0 || step >= steps.size()) throw new IllegalArgumentException("step must be in 0.." + (steps.size() - 1));
        layer = steps.get(step);
        List<DeviceTensor> activations = network.forward(opened, opened.upload(InputBatch.of(model, DemoNetwork.inputs(1, batch)).padded()));
        try {
            layerInput = opened.download(activations.get(step));
            long[] output = opened.download(activations.get(step + 1));
            int variables = Multilinear.log2(output.length);
            long[] re = FieldFill.standard().elements(variables);
            long[] im = FieldFill.standard().elements(2 * variables);
            org.safetynets.field.Fp2[] point = new org.safetynets.field.Fp2[variables];
            for (int j = 0; j < variables; j++) point[j] = new org.safetynets.field.Fp2(re[j], im[variables + j]);
            outputClaim = new Claim(point, Multilinear.evaluate(output, point));
        } finally {
            for (DeviceTensor t : activations) t.close();
        }
    }

    @Setup(Level.Invocation)
    public void uploadInput() {
        input = opened.upload(layerInput);
    }

    @TearDown(Level.Invocation)
    public void freeInput() {
        input.close();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        opened.close();
    }

    @Benchmark
    public Claim prove() {
        return layer.protocol().prove(opened, FiatShamirTranscript.forProver(), outputClaim, input);
    }
}
