package org.safetynets.bench.compare;

import org.safetynets.BackendUnavailable;
import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.model.FloatInference;
import org.safetynets.model.Model;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verdict;
import org.safetynets.proof.Verifier;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Runs every workload on every chosen backend in one process and one pass, interleaved: for each (workload,
 * batch), each repetition runs the float forward pass once, then, backend after backend, field inference, the
 * prover and the same proof by a prover prepared once for the model ({@code Prover.Prepared}, as a prover host
 * proves), then the verifier once (the proofs are byte-identical, and neither float inference nor the
 * verifier uses a backend, so each is measured and reported once). Drift in the machine's speed (other jobs,
 * turbo, thermals) thus touches every backend alike. Warm-up repetitions run first, untimed ({@link WarmUp}). Every timed call
 * starts after a garbage collection, so no call pays for another's garbage, and a call on a backend ends with
 * {@link Backend#synchronize()}: a device backend returns from a kernel launch before the kernel has run.
 *
 * <p>Every repetition is checked, untimed: each proof is accepted, establishes the outputs field inference
 * computed, and is byte-identical across backends; float inference agrees with the field result to double
 * precision; matrix products agree across backends. A failed check stops the run ({@link ComparisonFailed}).
 */
public final class Comparison {
    /** Float and field outputs must agree to this fraction of the largest output (doubles round beyond 2^53). */
    static final double FLOAT_AGREEMENT = 1e-9;
    /** A (workload, batch) runs only if its estimate fits in this fraction of the heap still free. */
    static final double HEAP_HEADROOM = 0.8;

    /** A progress line at least this often while a (workload, batch) runs. */
    static final long PROGRESS_NANOS = 2_000_000_000L;

    /** Keeps the JIT from discarding a product nobody reads. */
    static volatile double sink;

    private final CompareOptions options;
    private final Consumer<String> progress;

    private Comparison(CompareOptions options, Consumer<String> progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * Runs the comparison; {@code progress} gets one line per step (for stderr).
     *
     * @throws BackendUnavailable if a named backend is unknown or cannot run here, or none can
     * @throws ComparisonFailed if a check fails
     */
    public static Report run(CompareOptions options, Consumer<String> progress) {
        return new Comparison(options, progress).run();
    }

    /** The chosen providers: those named, or every available one (each skipped one told to {@code progress}). */
    static List<BackendProvider> chooseBackends(List<String> names, Consumer<String> progress) {
        List<BackendProvider> all = Backends.providers();
        List<String> available = new ArrayList<>();
        for (BackendProvider p : all) if (p.unavailableReason() == null) available.add(p.name());
        String availableList = available.isEmpty() ? "none" : String.join(", ", available);
        List<BackendProvider> chosen = new ArrayList<>();
        if (names.isEmpty()) {
            for (BackendProvider p : all) {
                String reason = p.unavailableReason();
                if (reason == null) chosen.add(p);
                else progress.accept("backend " + p.name() + " skipped: " + reason);
            }
            if (chosen.isEmpty()) throw new BackendUnavailable("no backend is available to compare");
            return chosen;
        }
        for (String name : names) {
            BackendProvider match = all.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new BackendUnavailable("unknown backend '" + name + "'; available: " + availableList));
            String reason = match.unavailableReason();
            if (reason != null) throw new BackendUnavailable("backend '" + name + "' is unavailable: " + reason + "; available: " + availableList);
            if (chosen.contains(match)) throw new BackendUnavailable("backend '" + name + "' is named twice");
            chosen.add(match);
        }
        return chosen;
    }

    private Report run() {
        List<BackendProvider> providers = chooseBackends(options.backends(), progress);
        List<Backend> backends = new ArrayList<>();
        try {
            for (BackendProvider provider : providers) {
                Backend backend = provider.open(options.threads());
                backends.add(backend);
                progress.accept("backend " + backend.name() + ": " + backend.description());
            }
            return run(backends);
        } finally {
            for (Backend b : backends) b.close();
        }
    }

    /** The comparison on backends already open (which stay open); the options' backend names are not consulted. */
    static Report run(CompareOptions options, List<Backend> backends, Consumer<String> progress) {
        return new Comparison(options, progress).run(backends);
    }

    private Report run(List<Backend> backends) {
        List<HostRow> hostRows = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        try (HeapSampler heap = new HeapSampler()) {
            int cells = 0;
            for (Workload w : options.workloads()) cells += w instanceof Workload.Network ? options.batches().size() : 1;
            int cell = 0;
            for (Workload workload : options.workloads()) {
                if (workload instanceof Workload.Network network) {
                    Model model = network.model().get();
                    for (int batch : options.batches()) {
                        cell++;
                        network(network, model, batch, backends, heap, "[" + cell + "/" + cells + "] ", hostRows, rows);
                    }
                } else if (workload instanceof Workload.MatrixProduct product) {
                    cell++;
                    matrixProduct(product, backends, heap, "[" + cell + "/" + cells + "] ", hostRows, rows);
                }
            }
        }
        return new Report(Report.Environment.current(), options, hostRows, rows);
    }

    private void network(Workload.Network workload, Model model, int batch, List<Backend> backends, HeapSampler heap, String step,
                         List<HostRow> hostRows, List<Row> rows) {
        String where = workload.name() + " batch " + batch;
        MemoryEstimate estimate = MemoryEstimate.network(model, batch);
        String skip = skipReason(estimate);
        if (skip != null) {
            progress.accept(step + where + ": skipped: " + skip);
            skipped(workload.name(), backends, batch, skip, hostRows, rows);
            return;
        }
        progress.accept(step + where + ": " + WarmUp.describe(options) + ", then " + options.runs() + " timed runs on "
                + backends.size() + " backend(s), estimated heap " + MemoryEstimate.mib(estimate.bytes()));
        long[][] samples = workload.inputs().apply(batch);
        FloatInference floatNetwork = FloatInference.of(model);
        int n = backends.size();
        double[] floatSeconds = new double[options.runs()];
        double[][] field = new double[n][options.runs()];
        double[][] prover = new double[n][options.runs()];
        double[][] preparedProver = new double[n][options.runs()];
        // What a prover host does once per model (untimed); its network for this batch is compiled on its first proof.
        Prover.Prepared preparedModel = Prover.Prepared.of(model, Limits.DEFAULTS);
        boolean[] preparedProverWarm = new boolean[n];
        double[] verifierSeconds = new double[options.runs()];
        double[] preparedSeconds = new double[options.runs()];
        // What depends on the model alone, done once as a client checking many batches would (untimed).
        Verifier.Prepared prepared = Verifier.Prepared.of(model, Limits.DEFAULTS);
        boolean preparedForBatch = false;
        long[] baseline = new long[n];
        long[] peak = new long[n];
        long[] devicePeak = new long[n];
        Arrays.fill(devicePeak, -1);
        int proofBytes = -1;
        long lastProgress = System.nanoTime();
        WarmUp warmUp = new WarmUp(options);
        for (int run = 0; run < options.runs(); ) {
            boolean timed = !warmUp.warming();
            if (timed) collectGarbage();
            long t0 = System.nanoTime();
            double[][] floatOutputs = floatNetwork.run(samples);
            double floatTime = seconds(t0);
            if (timed) floatSeconds[run] = floatTime;
            byte[] firstProof = null;
            for (int i = 0; i < n; i++) {
                Backend backend = backends.get(i);
                if (timed) collectGarbage();
                t0 = System.nanoTime();
                long[][] outputs = Prover.infer(model, samples, backend);
                backend.synchronize();
                double fieldTime = seconds(t0);

                if (timed) collectGarbage();
                long before = heap.used();
                heap.reset();
                backend.resetDevicePeak();
                t0 = System.nanoTime();
                byte[] proof = ProofCodec.encode(Prover.prove(model, samples, backend));
                backend.synchronize();
                double proverTime = seconds(t0);
                long proverPeak = heap.peak();
                OptionalLong device = backend.devicePeakBytes();

                if (!preparedProverWarm[i]) {
                    preparedModel.prove(samples, backend, Prover.Progress.NONE);
                    preparedProverWarm[i] = true;
                }
                if (timed) collectGarbage();
                t0 = System.nanoTime();
                byte[] preparedProof = ProofCodec.encode(preparedModel.prove(samples, backend, Prover.Progress.NONE));
                backend.synchronize();
                double preparedProverTime = seconds(t0);
                if (!Arrays.equals(preparedProof, proof)) {
                    throw new ComparisonFailed(where + ": " + backend.name() + "'s prepared prover made other proof bytes than its one-shot prover");
                }

                // Untimed: the verifier runs on this backend's proof here, and is timed once below.
                check(where, backend, Verifier.verify(model, samples, proof), outputs, floatOutputs, model.outputScale(), proof,
                        firstProof, backends.get(0));
                if (firstProof == null) firstProof = proof;
                proofBytes = proof.length;
                if (timed) {
                    field[i][run] = fieldTime;
                    prover[i][run] = proverTime;
                    preparedProver[i][run] = preparedProverTime;
                    baseline[i] = Math.max(baseline[i], before);
                    peak[i] = Math.max(peak[i], proverPeak);
                    if (device.isPresent()) devicePeak[i] = Math.max(devicePeak[i], device.getAsLong());
                }
            }
            // The proof is the same bytes from every backend (checked above), and the verifier uses none: timed once.
            if (timed) collectGarbage();
            t0 = System.nanoTime();
            Verifier.verify(model, samples, firstProof);
            double verifierTime = seconds(t0);
            if (timed) verifierSeconds[run] = verifierTime;
            if (!preparedForBatch) { // its network for this batch is compiled on its first verification: not timed
                requireAccepted(where, prepared.verify(samples, ProofCodec.decode(firstProof, "the proof")));
                preparedForBatch = true;
            }
            if (timed) collectGarbage();
            t0 = System.nanoTime();
            Verdict preparedVerdict = prepared.verify(samples, ProofCodec.decode(firstProof, "the proof"));
            double preparedTime = seconds(t0);
            requireAccepted(where, preparedVerdict);
            if (timed) preparedSeconds[run] = preparedTime;
            // A line per run once runs are slow enough for a user to wonder; otherwise only the first and the last.
            boolean firstRun = timed ? run == 0 && warmUp.done() == 0 : warmUp.done() == 0;
            if (firstRun || (timed && run == options.runs() - 1) || System.nanoTime() - lastProgress > PROGRESS_NANOS) {
                progress.accept(step + where + ": " + (timed ? "timed run " + (run + 1) + "/" + options.runs()
                        : "warm-up run " + (warmUp.done() + 1)) + " done");
                lastProgress = System.nanoTime();
            }
            if (timed) run++;
            else warmUp.ranOne();
        }
        HostRow host = new HostRow(workload.name(), batch, new Timings(floatSeconds), new Timings(verifierSeconds),
                new Timings(preparedSeconds), proofBytes, "");
        hostRows.add(host);
        for (int i = 0; i < n; i++) {
            Backend b = backends.get(i);
            long resident = -1;
            // The child opens the backend by name: one found by ServiceLoader (not a test's wrapper), on a system with /proc.
            if (ProcessPeak.available() && Backends.providers().stream().anyMatch(p -> p.name().equals(b.name()))) {
                progress.accept(step + where + ": peak resident memory of proving it in a process of its own on " + b.name());
                resident = ProcessPeak.measure(model, samples, b.name(), options.threads());
            }
            rows.add(new Row(workload.name(), b.name(), b.description(), batch, host, new Timings(field[i]), new Timings(prover[i]),
                    new Timings(preparedProver[i]), baseline[i], peak[i], devicePeak[i], resident, 0, ""));
        }
    }

    private static void requireAccepted(String where, Verdict verdict) {
        if (!(verdict instanceof Verdict.Accepted)) {
            throw new ComparisonFailed(where + ": the verifier prepared for the model rejected an honest proof: "
                    + ((Verdict.Rejected) verdict).describe());
        }
    }

    private static void check(String where, Backend backend, Verdict verdict, long[][] fieldOutputs, double[][] floatOutputs,
                              double outputScale, byte[] proof, byte[] firstProof, Backend first) {
        if (!(verdict instanceof Verdict.Accepted accepted)) {
            throw new ComparisonFailed(where + ": the verifier rejected " + backend.name() + "'s honest proof: "
                    + ((Verdict.Rejected) verdict).describe());
        }
        if (!Arrays.deepEquals(accepted.outputs(), fieldOutputs)) {
            throw new ComparisonFailed(where + ": " + backend.name() + "'s proof establishes other outputs than its field inference computed");
        }
        if (firstProof != null && !Arrays.equals(proof, firstProof)) {
            throw new ComparisonFailed(where + ": " + backend.name() + "'s proof differs from " + first.name() + "'s (proofs must be byte-identical)");
        }
        double largest = 1;
        for (long[] sample : fieldOutputs) for (long v : sample) largest = Math.max(largest, Math.abs((double) v));
        for (int b = 0; b < fieldOutputs.length; b++) {
            for (int i = 0; i < fieldOutputs[b].length; i++) {
                double difference = Math.abs(floatOutputs[b][i] * outputScale - fieldOutputs[b][i]);
                if (difference > FLOAT_AGREEMENT * largest) {
                    throw new ComparisonFailed(where + ": float inference gives " + floatOutputs[b][i] * outputScale + " for sample " + b
                            + " output " + i + ", the field gives " + fieldOutputs[b][i]);
                }
            }
        }
    }

    private void matrixProduct(Workload.MatrixProduct workload, List<Backend> backends, HeapSampler heap, String step,
                               List<HostRow> hostRows, List<Row> rows) {
        int size = workload.size();
        String where = workload.name() + " " + size;
        MemoryEstimate estimate = MemoryEstimate.matrixProduct(size);
        String skip = skipReason(estimate);
        if (skip != null) {
            progress.accept(step + where + ": skipped: " + skip);
            skipped(workload.name(), backends, size, skip, hostRows, rows);
            return;
        }
        progress.accept(step + where + ": " + WarmUp.describe(options) + ", then " + options.runs() + " timed runs on "
                + backends.size() + " backend(s)");
        SplittableRandom random = new SplittableRandom(0x5AFE7E75L);
        long[] a = new long[size * size];
        long[] b = new long[size * size];
        for (int i = 0; i < a.length; i++) a[i] = Fp.reduceUnsigned(random.nextLong());
        for (int i = 0; i < b.length; i++) b[i] = Fp.reduceUnsigned(random.nextLong());
        double[] floatA = new double[a.length];
        double[] floatB = new double[b.length];
        for (int i = 0; i < a.length; i++) floatA[i] = random.nextDouble();
        for (int i = 0; i < b.length; i++) floatB[i] = random.nextDouble();
        int n = backends.size();
        List<DeviceTensor> resident = new ArrayList<>();
        try {
            for (Backend backend : backends) {
                resident.add(backend.upload(a));
                resident.add(backend.upload(b));
            }
            double[] floatSeconds = new double[options.runs()];
            double[][] field = new double[n][options.runs()];
            long[] peak = new long[n];
            long[] baseline = new long[n];
            long[] devicePeak = new long[n];
            Arrays.fill(devicePeak, -1);
            long[] first = null;
            WarmUp warmUp = new WarmUp(options);
            boolean checked = false;
            for (int run = 0; run < options.runs(); ) {
                boolean timed = !warmUp.warming();
                if (timed) collectGarbage();
                long t0 = System.nanoTime();
                sink = doubleProduct(floatA, floatB, size)[size * size - 1];
                double floatTime = seconds(t0);
                if (timed) floatSeconds[run] = floatTime;
                for (int i = 0; i < n; i++) {
                    Backend backend = backends.get(i);
                    if (timed) collectGarbage();
                    long before = heap.used();
                    heap.reset();
                    backend.resetDevicePeak();
                    long[] product;
                    t0 = System.nanoTime();
                    try (DeviceTensor c = backend.matmul(resident.get(2 * i), resident.get(2 * i + 1), size, size, size)) {
                        backend.synchronize(); // the product computed, not merely queued; downloading it is not its cost
                        double fieldTime = seconds(t0);
                        if (timed) field[i][run] = fieldTime;
                        product = checked ? null : backend.download(c); // the first repetition is checked
                    }
                    long productPeak = heap.peak();
                    OptionalLong device = backend.devicePeakBytes();
                    if (product != null) {
                        checkProduct(where, backend, product, a, b, size, first, backends.get(0));
                        if (first == null) first = product;
                    }
                    if (timed) {
                        baseline[i] = Math.max(baseline[i], before);
                        peak[i] = Math.max(peak[i], productPeak);
                        if (device.isPresent()) devicePeak[i] = Math.max(devicePeak[i], device.getAsLong());
                    }
                }
                checked = true;
                if (timed) run++;
                else warmUp.ranOne();
            }
            HostRow host = new HostRow(workload.name(), size, new Timings(floatSeconds), null, null, -1,
                    "no proof: verifier n/a; batch = matrix size");
            hostRows.add(host);
            for (int i = 0; i < n; i++) {
                Backend backend = backends.get(i);
                rows.add(new Row(workload.name(), backend.name(), backend.description(), size, host, new Timings(field[i]), null, null,
                        baseline[i], peak[i], devicePeak[i], -1, workload.macs(), "no proof: prover n/a; batch = matrix size"));
            }
        } finally {
            for (DeviceTensor t : resident) t.close();
        }
    }

    /** Backends must agree with each other, and the corners of the product with a direct dot product. */
    private static void checkProduct(String where, Backend backend, long[] product, long[] a, long[] b, int size, long[] first, Backend firstBackend) {
        if (first != null && !Arrays.equals(product, first)) {
            throw new ComparisonFailed(where + ": " + backend.name() + "'s product differs from " + firstBackend.name() + "'s");
        }
        for (int[] corner : new int[][] {{0, 0}, {size - 1, size - 1}, {0, size - 1}}) {
            long expected = 0;
            for (int k = 0; k < size; k++) expected = Fp.add(expected, Fp.mul(a[corner[0] * size + k], b[k * size + corner[1]]));
            if (product[corner[0] * size + corner[1]] != expected) {
                throw new ComparisonFailed(where + ": " + backend.name() + "'s product is wrong at (" + corner[0] + ", " + corner[1] + ")");
            }
        }
    }

    /** The plain i-k-j loop a Java programmer would write; the inner loop vectorises. */
    private static double[] doubleProduct(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double aik = a[i * n + k];
                int bRow = k * n;
                int cRow = i * n;
                for (int j = 0; j < n; j++) c[cRow + j] += aik * b[bRow + j];
            }
        }
        return c;
    }

    private String skipReason(MemoryEstimate estimate) {
        collectGarbage();
        long live = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        long available = MemoryEstimate.available(live);
        if (estimate.bytes() <= HEAP_HEADROOM * available) return null;
        if (estimate.bytes() == Long.MAX_VALUE) return estimate.what();
        return "needs about " + MemoryEstimate.mib(estimate.bytes()) + " of heap (" + estimate.what() + "), "
                + MemoryEstimate.mib(available) + " is free (raise it with -Xmx, e.g. SAFETYNETS_JAVA_OPTS=-Xmx16g)";
    }

    private static void skipped(String workload, List<Backend> backends, int batch, String reason, List<HostRow> hostRows, List<Row> rows) {
        HostRow host = HostRow.skipped(workload, batch, "skipped: " + reason);
        hostRows.add(host);
        for (Backend b : backends) rows.add(Row.skipped(workload, b.name(), b.description(), batch, host, "skipped: " + reason));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) * 1e-9;
    }

    @SuppressWarnings("java:S1215") // an explicit collection is the point: each timed call starts on a clean heap
    private static void collectGarbage() {
        System.gc();
    }
}
