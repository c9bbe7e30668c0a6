package org.safetynets.bench;

import org.safetynets.bench.compare.WarmUp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's headline figures in one run:
 * <ol type="a">
 *   <li>field matrix-product throughput of the CPU backend (1 thread and all cores) against a plain C reference
 *       with 128-bit accumulation on one core, same operands, checksums compared;</li>
 *   <li>the demo CNN: plain inference, prover and verifier times, their ratios against the targets, proof size;</li>
 *   <li>(e) the networks' conv and dense layers on one core against the C {@code __int128} and AVX-512 limb kernels.</li>
 * </ol>
 * Run it from the shaded jar: {@code java -cp bench/target/benchmarks.jar org.safetynets.bench.CoreBenchmark --help}.
 * Exit status: 0, or 1 if a checksum disagrees or a proof is rejected, 2 for bad arguments.
 */
public final class CoreBenchmark {
    private CoreBenchmark() {
    }

    /** The command line, with its defaults. */
    record Options(MatmulShape size, int batch, int runs, WarmUp.Rule warmUp, int threads, String backend, int cRepetitions,
                   String compiler, Path csv, boolean matmul, boolean cnn, boolean profile, boolean layers, List<String> backends,
                   BenchNetwork network) {
        static final String USAGE = """
                usage: CoreBenchmark [options]
                  --size N|MxNxK   matrix product C[MxN] = A[MxK] * B[KxN] (default 512)
                  --batch B        demo CNN batch size (default 256)
                  --model FILE     (b) and (d) prove this model file (e.g. the shipped MNIST CNN) with uniformly
                                   random inputs in its input range, instead of the demo CNN
                  --runs N         timed repetitions; medians are reported (default 5)
                  --warmup N       untimed runs first, for the JIT and the thread pools: at least N (default 3)
                  --warmup-time S  and for at least S seconds per measurement (default 3; a count alone left
                                   short measurements timing code the JIT had not compiled yet)
                  --threads T      the "all cores" thread count (default: available processors)
                  --backend NAME   backend to measure (default cpu)
                  --c-reps R       repetitions inside the C reference, best taken (default 5)
                  --cc PATH        C compiler (default gcc)
                  --only PART      matmul, cnn or layers (default: matmul, cnn and layers; with --backends, "backends"
                                   runs only (c)); profile: (d), the demo CNN prover's time by backend operation;
                                   layers: (e), the networks' conv and dense layers, Java vs C, one core
                  --backends A,B   also (c): these backends side by side, per kernel and per whole proof,
                                   ratios over the first (e.g. cpu,opencl)
                  --csv FILE       also write the figures as CSV
                """;

        static Options parse(String[] args) {
            MatmulShape size = new MatmulShape(512, 512, 512);
            int batch = 256;
            int runs = 5;
            int warmup = 3;
            double warmupSeconds = 3;
            int threads = Runtime.getRuntime().availableProcessors();
            String backend = "cpu";
            int cRepetitions = 5;
            String compiler = "gcc";
            Path csv = null;
            boolean matmul = true;
            boolean cnn = true;
            boolean profile = false;
            boolean layers = true;
            List<String> backends = List.of();
            Path modelFile = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("-h") || arg.equals("--help")) throw new UsageRequested();
                if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + arg);
                String value = args[++i];
                switch (arg) {
                    case "--size" -> size = MatmulShape.parse(value);
                    case "--batch" -> batch = positive(arg, value);
                    case "--runs" -> runs = positive(arg, value);
                    case "--warmup" -> warmup = nonNegative(arg, value);
                    case "--warmup-time" -> warmupSeconds = seconds(arg, value);
                    case "--threads" -> threads = positive(arg, value);
                    case "--backend" -> backend = value;
                    case "--c-reps" -> cRepetitions = positive(arg, value);
                    case "--cc" -> compiler = value;
                    case "--csv" -> csv = Path.of(value);
                    case "--model" -> modelFile = Path.of(value);
                    case "--only" -> {
                        if (!List.of("matmul", "cnn", "backends", "profile", "layers").contains(value)) {
                            throw new IllegalArgumentException("--only takes matmul, cnn, backends, profile or layers, got '" + value + "'");
                        }
                        matmul = value.equals("matmul");
                        cnn = value.equals("cnn");
                        profile = value.equals("profile");
                        layers = value.equals("layers");
                    }
                    case "--backends" -> {
                        backends = List.of(value.split(","));
                        if (backends.size() < 2) throw new IllegalArgumentException("--backends takes two or more names, e.g. cpu,opencl");
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            return new Options(size, batch, runs, new WarmUp.Rule(warmup, warmupSeconds), threads, backend, cRepetitions, compiler, csv,
                    matmul, cnn, profile, layers, backends, modelFile == null ? BenchNetwork.demo() : BenchNetwork.fromFile(modelFile));
        }

        private static double seconds(String option, String value) {
            double v;
            try {
                v = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " takes seconds, got '" + value + "'");
            }
            if (!(v >= 0 && v <= 3600)) throw new IllegalArgumentException(option + " must be in 0..3600 seconds, got " + value);
            return v;
        }

        private static int positive(String option, String value) {
            int v = nonNegative(option, value);
            if (v == 0) throw new IllegalArgumentException(option + " must be positive");
            return v;
        }

        private static int nonNegative(String option, String value) {
            try {
                int v = Integer.parseInt(value);
                if (v >= 0) return v;
            } catch (NumberFormatException e) {
                // falls through
            }
            throw new IllegalArgumentException(option + " takes a non-negative integer, got '" + value + "'");
        }
    }

    private static final class UsageRequested extends RuntimeException {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageRequested e) {
            System.out.print(Options.USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("CoreBenchmark: " + e.getMessage());
            System.err.print(Options.USAGE);
            System.exit(2);
            return;
        }
        int status;
        try {
            status = run(options);
        } catch (RuntimeException e) {
            System.err.println("CoreBenchmark: " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }

    static int run(Options options) {
        System.out.printf("SafetyNets CoreBenchmark: Java %s (%s), %d available processors, %s %s%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"));
        CsvReport csv = new CsvReport();
        int status = 0;
        if (options.matmul()) status |= matmul(options, csv);
        if (options.cnn()) status |= cnn(options, csv);
        if (!options.backends().isEmpty()) status |= backends(options, csv);
        if (options.profile()) status |= profile(options);
        if (options.layers()) status |= layers(options, csv);
        if (options.csv() != null) {
            try {
                csv.write(options.csv());
                System.out.println("\nCSV written to " + options.csv());
            } catch (IOException e) {
                System.err.println("CoreBenchmark: cannot write " + options.csv() + ": " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private static int matmul(Options options, CsvReport csv) {
        MatmulShape shape = options.size();
        System.out.printf("%n(a) Field matrix product C = A * B mod p, %s (m x n x k), %.3g MACs; "
                        + "Java: %s, median of %d; C: best of %d%n",
                shape, shape.macs(), options.warmUp().describe(), options.runs(), options.cRepetitions());
        MatmulComparison comparison = new MatmulComparison(shape);
        MatmulComparison.Row cRow = null;
        try (CReference reference = CReference.compile(options.compiler())) {
            System.out.println("  C reference: " + reference.compilerVersion() + ", 1 thread, unsigned __int128 accumulation");
            cRow = MatmulComparison.cRow(reference, shape, options.cRepetitions());
        } catch (CReference.Unavailable e) {
            System.out.println("  C reference skipped: " + e.getMessage());
        }
        List<MatmulComparison.Row> javaRows = new ArrayList<>();
        javaRows.add(comparison.javaRow(options.backend(), 1, options.warmUp(), options.runs()));
        if (options.threads() > 1) javaRows.add(comparison.javaRow(options.backend(), options.threads(), options.warmUp(), options.runs()));
        List<MatmulComparison.Row> rows = MatmulComparison.list(cRow, javaRows);
        System.out.print(MatmulComparison.render(rows, cRow));
        MatmulComparison.addCsv(csv, shape, rows, cRow);

        int status = 0;
        long expected = cRow != null ? cRow.checksum() : javaRows.get(0).checksum();
        for (MatmulComparison.Row row : rows) {
            if (row.checksum() != expected) {
                System.out.printf("  CHECKSUM MISMATCH: %s (%d threads) gives %d, expected %d%n", row.implementation(), row.threads(),
                        row.checksum(), expected);
                status = 1;
            }
        }
        if (status == 0) {
            System.out.printf("  checksums agree: %d%s%n", expected, cRow == null ? " (Java rows only)" : " (C and Java)");
        }
        return status;
    }

    private static int backends(Options options, CsvReport csv) {
        System.out.printf("%n(c) Backends side by side: %s, %d threads for host backends; per kernel and per demo-CNN proof "
                + "(batch %d); %s, median of %d, runs alternating between backends%n", String.join(", ", options.backends()),
                options.threads(), options.batch(), options.warmUp().describe(), options.runs());
        BackendComparison.Result result;
        try {
            result = BackendComparison.measure(options.backends(), options.threads(), options.batch(), options.size(),
                    options.warmUp(), options.runs());
        } catch (IllegalStateException | org.safetynets.BackendUnavailable e) {
            System.out.println("  FAILED: " + e.getMessage());
            return 1;
        }
        System.out.print(BackendComparison.render(result));
        BackendComparison.addCsv(csv, result, options.threads());
        return 0;
    }

    private static int layers(Options options, CsvReport csv) {
        System.out.printf("%n(e) The networks' layers on one core (batch %d): the Java CPU backend (1 thread, %s, median of %d) "
                + "against C (best of %d), same operands; \"X / Java\" = X's best time / Java's best%n", options.batch(), options.warmUp().describe(),
                options.runs(), options.cRepetitions());
        try (CReference reference = CReference.compile(options.compiler(), CReference.LAYER_SOURCE)) {
            System.out.println("  C: " + reference.compilerVersion());
            LayerComparison.Result result = LayerComparison.measure(reference, LayerComparison.networkLayers(options.batch()),
                    options.warmUp(), options.runs(), options.cRepetitions());
            System.out.println("  Java: " + result.backend());
            System.out.print(LayerComparison.render(result));
            LayerComparison.addCsv(csv, result);
            boolean agree = result.rows().stream().allMatch(LayerComparison.Row::agrees);
            if (!agree) System.out.println("  CHECKSUM MISMATCH: see the rows marked DIFFER");
            return agree ? 0 : 1;
        } catch (CReference.Unavailable e) {
            System.out.println("  skipped: " + e.getMessage());
            return 0;
        }
    }

    private static int profile(Options options) {
        System.out.printf("%n(d) Prover by backend operation: %s, batch %d, backend %s with %d threads; %s, "
                + "mean of %d proofs; each backend call timed through a proxy%n", options.network().description(), options.batch(),
                options.backend(), options.threads(), options.warmUp().describe(), options.runs());
        ProverProfile.Result result = ProverProfile.measure(options.network(), options.backend(), options.threads(), options.batch(),
                options.warmUp(), options.runs());
        System.out.println("  backend: " + result.backend());
        System.out.print(ProverProfile.render(result));
        return 0;
    }

    private static int cnn(Options options, CsvReport csv) {
        System.out.printf("%n(b) %s, batch %d, backend %s with %d threads; %s, then %d runs%n", options.network().description(),
                options.batch(), options.backend(), options.threads(), options.warmUp().describe(), options.runs());
        DemoCnnTimings.Result result;
        try {
            result = DemoCnnTimings.measure(options.network(), options.backend(), options.threads(), options.batch(), options.warmUp(), options.runs());
        } catch (IllegalStateException e) {
            System.out.println("  FAILED: " + e.getMessage());
            return 1;
        }
        System.out.println("  backend: " + result.backend() + "; model " + result.model() + "; every proof verified and its outputs "
                + "equal inference's");
        System.out.print(DemoCnnTimings.render(result));
        DemoCnnTimings.addCsv(csv, result);
        return 0;
    }
}
