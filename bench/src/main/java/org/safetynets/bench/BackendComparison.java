package org.safetynets.bench;

import org.safetynets.backend.Backend;
import org.safetynets.bench.compare.TextTable;
import org.safetynets.bench.compare.Timings;
import org.safetynets.bench.compare.WarmUp;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp2;
import org.safetynets.poly.Univariate;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Part (c) of CoreBenchmark: several backends side by side, per kernel and per whole demo-CNN proof, in one run.
 * Every case is prepared on each backend (operands uploaded, untimed), then the runs alternate between the
 * backends so that drift in the machine's speed touches them alike. A timed call ends with a one-element read
 * of its result and with {@link Backend#synchronize()}, so a device that queues work asynchronously is timed to
 * completion. Ratios are each backend's
 * median over the first (baseline) backend's. Whole proofs must be byte-identical across the backends.
 */
final class BackendComparison {
    private static final long P = (1L << 61) - 1;

    /** A timed call on one backend, with what it holds closed afterwards. */
    interface Prepared extends AutoCloseable {
        void run();

        @Override
        void close();
    }

    record Case(String name, String shape, Function<Backend, Prepared> prepare) {
    }

    record Row(String name, String shape, List<Timings> timings) {
    }

    /** {@code movedBy} names the device backend whose transfers per proof are reported (the first listed), or is null. */
    record Result(List<String> backends, List<String> descriptions, List<Row> rows, String movedBy, long bytesToDevicePerProof,
                  long bytesFromDevicePerProof, int proofBytes) {
    }

    private BackendComparison() {
    }

    static Result measure(List<String> names, int threads, int batch, MatmulShape matmul, WarmUp.Rule warmUp, int runs) {
        List<Backend> backends = new ArrayList<>();
        try {
            for (String name : names) backends.add(Backends.open(name, threads, message -> { }));
            List<Row> rows = new ArrayList<>();
            for (Case c : cases(batch, matmul)) rows.add(time(c, backends, warmUp, runs));
            Model model = DemoNetwork.build(1);
            long[][] samples = DemoNetwork.inputs(1, batch);
            byte[] first = null;
            for (Backend backend : backends) {
                byte[] proof = ProofCodec.encode(Prover.prove(model, samples, backend));
                if (first == null) first = proof;
                else if (!Arrays.equals(first, proof)) throw new IllegalStateException(backend.name() + "'s proof differs from " + names.get(0) + "'s");
            }
            String cnn = "batch " + batch;
            rows.add(time(new Case("demo CNN inference (Prover.infer)", cnn, b -> call(() -> Prover.infer(model, samples, b))), backends, warmUp, runs));
            rows.add(time(new Case("demo CNN proof (Prover.prove)", cnn, b -> call(() -> Prover.prove(model, samples, b))), backends, warmUp, runs));
            long up = -1;
            long down = -1;
            String movedBy = null;
            for (Backend backend : backends) {
                if (backend instanceof KernelBackend<?> device && movedBy == null) {
                    long up0 = device.bytesToDevice();
                    long down0 = device.bytesFromDevice();
                    Prover.prove(model, samples, device);
                    up = device.bytesToDevice() - up0;
                    down = device.bytesFromDevice() - down0;
                    movedBy = device.name();
                }
            }
            List<String> descriptions = new ArrayList<>();
            for (Backend backend : backends) descriptions.add(backend.description());
            return new Result(List.copyOf(names), descriptions, rows, movedBy, up, down, first.length);
        } finally {
            for (Backend backend : backends) backend.close();
        }
    }

    private static Row time(Case c, List<Backend> backends, WarmUp.Rule warmUp, int runs) {
        List<Prepared> prepared = new ArrayList<>();
        try {
            for (Backend backend : backends) prepared.add(c.prepare().apply(backend));
            double[][] seconds = new double[backends.size()][runs];
            // each warm-up repetition runs every backend, so they share the rule's time
            for (WarmUp w = new WarmUp(warmUp); w.warming(); w.ranOne()) {
                for (int b = 0; b < backends.size(); b++) {
                    prepared.get(b).run();
                    backends.get(b).synchronize();
                }
            }
            for (int run = 0; run < runs; run++) {
                for (int b = 0; b < backends.size(); b++) {
                    long start = System.nanoTime();
                    prepared.get(b).run();
                    backends.get(b).synchronize();
                    seconds[b][run] = (System.nanoTime() - start) * 1e-9;
                }
            }
            List<Timings> timings = new ArrayList<>();
            for (double[] s : seconds) timings.add(new Timings(s));
            return new Row(c.name(), c.shape(), timings);
        } finally {
            for (Prepared p : prepared) p.close();
        }
    }

    private static Prepared call(Runnable body) {
        return new Prepared() {
            @Override
            public void run() {
                body.run();
            }

            @Override
            public void close() {
            }
        };
    }

    /** Operands uploaded once; each run calls {@code op} and reads one element of what it returns, then frees it. */
    private static Prepared onTensors(Backend backend, long[][] operands, Function<DeviceTensor[], DeviceTensor> op) {
        DeviceTensor[] tensors = new DeviceTensor[operands.length];
        for (int i = 0; i < operands.length; i++) tensors[i] = backend.upload(operands[i]);
        return new Prepared() {
            @Override
            public void run() {
                try (DeviceTensor out = op.apply(tensors)) {
                    backend.get(out, 0);
                }
            }

            @Override
            public void close() {
                for (DeviceTensor t : tensors) t.close();
            }
        };
    }

    /** Operands uploaded once; each run calls {@code op}, which returns its values to the host (a reduction). */
    private static Prepared onTensorsReduce(Backend backend, long[][] operands, java.util.function.Consumer<DeviceTensor[]> op) {
        DeviceTensor[] tensors = new DeviceTensor[operands.length];
        for (int i = 0; i < operands.length; i++) tensors[i] = backend.upload(operands[i]);
        return new Prepared() {
            @Override
            public void run() {
                op.accept(tensors);
            }

            @Override
            public void close() {
                for (DeviceTensor t : tensors) t.close();
            }
        };
    }

    private static long[] random(SplittableRandom random, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = random.nextLong(P);
        return out;
    }

    /** Signed integers of magnitude below {@code bound}, as field elements (quantised weights and activations). */
    private static long[] small(SplittableRandom random, int n, int bound) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = Math.floorMod(random.nextInt(2 * bound - 1) - (bound - 1), P);
        return out;
    }

    /** A tensor in {@code layout} with small values at real positions, zero padding elsewhere. */
    private static long[] activations(SplittableRandom random, Layout layout, int bound) {
        long[] out = new long[layout.size()];
        Shape s = layout.shape();
        for (int c = 0; c < s.channels(); c++)
            for (int h = 0; h < s.height(); h++)
                for (int w = 0; w < s.width(); w++)
                    for (int b = 0; b < layout.batch(); b++) out[layout.index(c, h, w, b)] = small(random, 1, bound)[0];
        return out;
    }

    /** The kernels at the sizes the demo CNN gives them (batch {@code batch}), and one large random matrix product. */
    static List<Case> cases(int batch, MatmulShape matmul) {
        SplittableRandom random = new SplittableRandom(20);
        List<Case> cases = new ArrayList<>();
        int m = matmul.m(), n = matmul.n(), k = matmul.k();
        long[] a = random(random, m * k);
        long[] b = random(random, k * n);
        cases.add(new Case("matmul (random elements)", matmul.toString(), be -> onTensors(be, new long[][] {a, b}, t -> be.matmul(t[0], t[1], m, k, n))));
        int features = 1024;
        long[] weights = small(random, 16 * features, 2);
        Layout denseIn = new Layout(new Shape(16, 7, 7), batch);
        long[] denseInput = activations(random, denseIn, 1 << 20);
        cases.add(new Case("matmul (dense layer: small weights)", "16x" + denseIn.paddedBatch() + "x" + features,
                be -> onTensors(be, new long[][] {weights, denseInput}, t -> be.matmul(t[0], t[1], 16, features, denseIn.paddedBatch()))));
        ConvGeometry conv1 = new ConvGeometry(new Layout(new Shape(1, 28, 28), batch), 8, 5, 1, 2);
        ConvGeometry conv2 = new ConvGeometry(new Layout(new Shape(8, 14, 14), batch), 16, 5, 1, 2);
        for (ConvGeometry g : new ConvGeometry[] {conv1, conv2}) {
            long[] kernel = small(random, g.output().shape().paddedChannels() * g.kernelColumns(), 2);
            long[] input = activations(random, g.input(), 1 << 14);
            cases.add(new Case("conv2d (small weights)", g.input().shape() + " -> " + g.outChannels() + ", k5",
                    be -> onTensors(be, new long[][] {kernel, input}, t -> be.conv2d(t[0], t[1], g))));
        }
        Layout pooled = new Layout(new Shape(8, 28, 28), batch);
        long[] pooledInput = random(random, pooled.size());
        cases.add(new Case("square", pooled.size() + " elements", be -> onTensors(be, new long[][] {pooledInput}, t -> be.square(t[0]))));
        PoolGeometry pool = new PoolGeometry(pooled, 2);
        cases.add(new Case("sumPool", pooled.shape() + ", window 2", be -> onTensors(be, new long[][] {pooledInput}, t -> be.sumPool(t[0], pool))));
        long[] point = random(random, 20);
        cases.add(new Case("eqTable", "2^20 entries", be -> call(() -> {
            try (DeviceTensor t = be.eqTable(point)) {
                be.get(t, 0);
            }
        })));
        int half = 1 << 19;
        long[] t0 = random(random, 2 * half);
        long[] t1 = random(random, 2 * half);
        cases.add(new Case("roundEvaluations A*B, degree 2", "half 2^19", be -> onTensorsReduce(be, new long[][] {t0, t1},
                t -> be.roundEvaluations(t, new int[] {0, 1}, half, 2))));
        cases.add(new Case("roundEvaluations A*B*B, degree 3", "half 2^19", be -> onTensorsReduce(be, new long[][] {t0, t1},
                t -> be.roundEvaluations(t, new int[] {0, 1, 1}, half, 3))));
        long r = random.nextLong(P);
        cases.add(new Case("fold", "half 2^19", be -> onTensorsReduce(be, new long[][] {t0}, t -> {
            be.fold(t[0], half, r);
            be.get(t[0], 0);
        })));
        // F_p^2, as the prover now uses them: a challenge folds an extension table, rounds of eq * A * A with an
        // extension eq table and a base A, and the x^2 sum-check's every round over small activations.
        Fp2 rExt = new Fp2(random.nextLong(P), random.nextLong(P));
        cases.add(new Case("fold F_p^2 table, F_p^2 challenge", "half 2^19", be -> onTensorsReduce(be, new long[][] {t0, t1}, t -> {
            ExtTensor table = new ExtTensor(t[0], t[1]);
            ExtTensor folded = be.fold(table, half, rExt); // in place, where a backend folds so: the same work each run
            be.get(folded, 0);
            if (folded != table) folded.close();
        })));
        Fp2[] extPoint = new Fp2[20];
        for (int j = 0; j < extPoint.length; j++) extPoint[j] = new Fp2(random.nextLong(P), random.nextLong(P));
        cases.add(new Case("roundEvaluations F_p^2 eq*A*A, degree 3", "half 2^19", be -> onTensorsReduce(be, new long[][] {t1}, t -> {
            try (ExtTensor eq = be.eqTable(extPoint)) {
                be.roundEvaluations(new ExtTensor[] {eq, ExtTensor.base(t[0])}, new int[] {0, 1, 1}, half, 3);
            }
        })));
        Fp2[] squareZero = new Fp2[20];
        for (int j = 0; j < squareZero.length; j++) squareZero[j] = Fp2.ONE.sub(extPoint[j]);
        long[] squareValues = small(random, 2 * half, 1 << 14);
        cases.add(new Case("squareRounds, every round", "2^20 values", be -> onTensorsReduce(be, new long[][] {squareValues}, t -> {
            // Extension challenges: the values tensor is never folded in place, so each run sees the same values.
            try (SquareRounds rounds = be.squareRounds(squareZero, extPoint, t[0])) {
                Fp2 claim = Fp2.ZERO;
                for (int variable = 19; variable >= 0; variable--) {
                    Fp2[] s = rounds.roundPolynomial(claim);
                    claim = Univariate.evaluate(s, extPoint[variable]);
                    rounds.bind(extPoint[variable]);
                }
                rounds.finalValue();
            }
        })));
        int rows = 64, cols = 1 << 14;
        long[] matrix = random(random, rows * cols);
        long[] rowWeights = random(random, rows);
        cases.add(new Case("rowCombination eq^T M", rows + "x" + cols, be -> onTensors(be, new long[][] {rowWeights, matrix},
                t -> be.rowCombination(t[0], t[1], rows, cols))));
        int inputRows = conv2.input().shape().paddedSize();
        int bp = conv2.input().paddedBatch();
        long[] convInput = activations(random, conv2.input(), 1 << 14);
        long[] batchWeights = random(random, bp);
        cases.add(new Case("columnCombination M eq", inputRows + "x" + bp, be -> onTensors(be, new long[][] {convInput, batchWeights},
                t -> be.columnCombination(t[0], t[1], inputRows, bp))));
        long[] eqOut = random(random, pool.output().size());
        cases.add(new Case("poolOffsetSums", pooled.shape() + ", window 2", be -> onTensorsReduce(be, new long[][] {pooledInput, eqOut},
                t -> be.poolOffsetSums(t[0], t[1], pool))));
        long[] patchInput = random(random, conv2.input().shape().paddedSize());
        long[] eqRows = random(random, conv2.output().shape().paddedHeight());
        long[] eqCols = random(random, conv2.output().shape().paddedWidth());
        cases.add(new Case("convPatchSums", conv2.input().shape() + ", k5", be -> onTensors(be, new long[][] {patchInput},
                t -> be.convPatchSums(t[0], eqRows, eqCols, conv2))));
        return cases;
    }

    static String render(Result result) {
        List<String> header = new ArrayList<>(List.of("case", "shape"));
        for (String name : result.backends()) header.add(name + " median");
        for (int i = 1; i < result.backends().size(); i++) header.add(result.backends().get(i) + " / " + result.backends().get(0));
        TextTable table = new TextTable(header.toArray(new String[0]));
        for (Row row : result.rows()) {
            List<String> cells = new ArrayList<>(List.of(row.name(), row.shape()));
            for (Timings t : row.timings()) cells.add(TextTable.seconds(t.median()));
            for (int i = 1; i < row.timings().size(); i++) {
                cells.add(String.format("%.2fx", row.timings().get(i).median() / row.timings().get(0).median()));
            }
            table.add(cells.toArray(new String[0]));
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < result.backends().size(); i++) out.append("  ").append(result.descriptions().get(i)).append('\n');
        out.append(table.render("  "));
        out.append(String.format("  proofs byte-identical across backends (%,d bytes)%n", result.proofBytes()));
        if (result.bytesToDevicePerProof() >= 0) {
            out.append(String.format("  %s bytes moved per demo-CNN proof: %,d to the device, %,d from it%n",
                    result.movedBy(), result.bytesToDevicePerProof(), result.bytesFromDevicePerProof()));
        }
        return out.toString();
    }

    static void addCsv(CsvReport csv, Result result, int threads) {
        for (Row row : result.rows()) {
            for (int i = 0; i < row.timings().size(); i++) {
                Timings t = row.timings().get(i);
                String backend = result.backends().get(i);
                Double ratio = i == 0 ? null : t.median() / row.timings().get(0).median();
                csv.add("backends", backend + ": " + row.name(), threads, row.shape(), t.median(), t.min(), t.max(), null, null,
                        ratio, i == 0 ? null : backend + "/" + result.backends().get(0), null);
            }
        }
    }
}
