package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.bench.compare.CompareOptions;
import org.safetynets.bench.compare.Comparison;
import org.safetynets.bench.compare.Report;
import org.safetynets.bench.compare.ReportCsv;
import org.safetynets.bench.compare.ReportJson;
import org.safetynets.bench.compare.ReportPlot;
import org.safetynets.bench.compare.ReportTable;
import org.safetynets.bench.compare.Workload;
import org.safetynets.bench.compare.Workloads;
import org.safetynets.files.OutputFiles;
import org.safetynets.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code safetynets bench compare}: the same jobs on every backend in one run, interleaved, with a table on
 * stdout, progress on stderr, and CSV, JSON and PNG plots written (atomically) into one directory.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        description = {"Runs float inference, field inference, the prover and the verifier of each workload on every available backend, "
                + "interleaved (backend A run 1, backend B run 1, A run 2, ...) after warm-up, and reports medians with min and max.",
            "Workloads: " + "demo-cnn, mnist-cnn, mnist-fc3, mnist-fc4 (the paper's shapes, random weights), matmul (a bare field matrix "
                    + "product), mnist-cnn-trained (the trained model the demo ships), and models given with --model."})
final class CompareCommand implements Callable<Integer> {
    static final String CSV_FILE = "compare.csv";
    static final String JSON_FILE = "compare.json";

    @Spec
    CommandSpec spec;

    @Option(names = "--batches", paramLabel = "B", split = ",", defaultValue = "1,16,256,4096",
            description = "Batch sizes for the network workloads (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "Timed runs; medians are reported (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2", description = "Untimed runs first, at least (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-time", paramLabel = "SECONDS", defaultValue = "15",
            description = "And untimed runs for at least this long per workload and batch, so that small batches reach the JIT's "
                    + "compiled code and the CPU backend's SIMD kernels (default: ${DEFAULT-VALUE}; 0 for the count alone).")
    double warmupSeconds;

    @Option(names = "--backends", paramLabel = "NAME", split = ",",
            description = "Backends to compare (default: every available one; unavailable ones are listed with the reason).")
    List<String> backends = new ArrayList<>();

    @Option(names = "--workloads", paramLabel = "NAME", split = ",",
            description = "Workloads to run (default: every built-in one, and " + TRAINED_MNIST_CNN + ", the trained model the demo ships).")
    List<String> workloads = new ArrayList<>();

    /** The workload name of the shipped trained model. */
    static final String TRAINED_MNIST_CNN = "mnist-cnn-trained";

    @Option(names = {"-M", "--model"}, paramLabel = "FILE",
            description = "Also benchmark this model (.snm), named by its own name, with uniform random inputs in its input range. Repeatable.")
    List<Path> models = new ArrayList<>();

    @Option(names = "--matrix-size", paramLabel = "N", defaultValue = "512",
            description = "Size of the matmul workload's square matrices (default: ${DEFAULT-VALUE}).")
    int matrixSize;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0", description = "Host threads per backend; 0 (the default) uses every core; "
            + "at most " + BackendOptions.THREADS_PER_PROCESSOR + " per available processor.")
    int threads;

    @Option(names = {"-O", "--out"}, paramLabel = "DIR", defaultValue = "bench-results",
            description = "Directory for " + CSV_FILE + ", " + JSON_FILE + " and plot-WORKLOAD.png, created if missing; an existing file "
                    + "there that is a symbolic link or not a regular file is refused before the runs (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--no-plot", description = "Write no PNG plots.")
    boolean noPlot;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Workload.Network> fromFiles = new ArrayList<>();
        // The trained MNIST CNN the demo ships: run by default and when named, beside the random-weight shapes.
        if (workloads.isEmpty() || workloads.contains(TRAINED_MNIST_CNN)) {
            fromFiles.add(Workload.Network.of(TRAINED_MNIST_CNN, "the trained, quantized MNIST CNN the demo ships (uniform random "
                    + "inputs in its input range)", ShippedModel.load(Limits.DEFAULTS), 1));
        }
        for (Path file : models) {
            Model model = Artifacts.readModel(file, Limits.DEFAULTS);
            fromFiles.add(Workload.Network.of(model.name(), "model file " + file, model, 1));
        }
        if (matrixSize < 1 || matrixSize > 16384) {
            throw new MalformedInput("--matrix-size", "must be in 1..16384, got " + matrixSize);
        }
        CompareOptions options = new CompareOptions(batches, runs, warmup, warmupSeconds, backends,
                Workloads.select(workloads, fromFiles, matrixSize), BackendOptions.requireThreads(threads));
        requireWritableOutputs(options); // before the runs, not after them
        Report report = Comparison.run(options, line -> {
            err.println("bench compare: " + line);
            err.flush();
        });
        stdout.print(ReportTable.render(report));
        stdout.flush();

        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(out.resolve(CSV_FILE), ReportCsv.render(report));
        files.put(out.resolve(JSON_FILE), ReportJson.render(report));
        Optional<String> noPlotReason = noPlot ? Optional.of("--no-plot") : ReportPlot.unavailableReason();
        if (noPlotReason.isEmpty()) {
            for (String workload : report.workloads()) {
                if (ReportPlot.plottable(report, workload)) files.put(out.resolve(plotFile(workload)), ReportPlot.render(report, workload));
            }
        } else if (!noPlot) {
            err.println("bench compare: no plots: " + noPlotReason.get());
        }
        OutputFiles.writeAtomically(files);
        stdout.println();
        for (Path file : files.keySet()) stdout.println("wrote " + file);
        return Main.OK;
    }

    /** The directory, the CSV and JSON files, and every plot the selected workloads could have. */
    private void requireWritableOutputs(CompareOptions options) {
        OutputFiles.requireWritableDirectory(out);
        List<Path> files = new ArrayList<>(List.of(out.resolve(CSV_FILE), out.resolve(JSON_FILE)));
        if (!noPlot) for (Workload workload : options.workloads()) files.add(out.resolve(plotFile(workload.name())));
        OutputFiles.requireWritable(files);
    }

    /** A file name for a workload's plot; model names from files may hold any character. */
    static String plotFile(String workload) {
        return "plot-" + workload.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
    }
}
