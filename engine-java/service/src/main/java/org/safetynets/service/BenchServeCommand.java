package org.safetynets.service;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.cli.Artifacts;
import org.safetynets.cli.Main;
import org.safetynets.cli.ShippedModel;
import org.safetynets.cli.TensorJson;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code safetynets bench serve}: the prover host under load, and under a crash. It lives in the service module
 * (not with {@code bench compare} in the CLI's jar) because it is a Flight client and must not bring Arrow into
 * the verifier jar; {@code bin/safetynets} routes {@code bench serve} here.
 *
 * <p>The host is a separate process ({@code bin/safetynets serve}), started here on a free loopback port unless
 * {@code --server} names one. For each batch size and mode, K clients send M requests each; every answer is
 * verified by the client and its outputs compared with reference outputs computed here. Then, for comparison,
 * {@code bin/safetynets prove} as one process per request on the same batches. With {@code --fault}, the host is
 * killed with SIGKILL in the middle of a run and restarted on the same port; every request must end in a verified
 * answer or an error, none in a hang or a wrong ACCEPT.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load and fault benchmark of a prover host: K clients x M requests, both modes, verified and counted.",
            "Starts bin/safetynets serve on a loopback port (or targets --server); compares with one `prove` process per request."})
final class BenchServeCommand implements Callable<Integer> {
    /** In the fault run, a client's wait after an error before its next request. */
    private static final Duration PAUSE_AFTER_ERROR = Duration.ofMillis(500);

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Target this running host (serving -M) instead of starting one.")
    String server;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Bearer token for --server.")
    Path tokenFile;

    @Option(names = {"-M", "--model"}, paramLabel = "FILE", description = "The model (.snm); default: the shipped MNIST CNN.")
    Path modelPath;

    @Option(names = "--batches", split = ",", defaultValue = "64,1024", paramLabel = "B,...", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--modes", split = ",", defaultValue = "prove,interactive", paramLabel = "MODE,...",
            description = "prove (proof files), interactive (default: ${DEFAULT-VALUE}).")
    String[] modes;

    @Option(names = "--clients", defaultValue = "4", paramLabel = "K", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", defaultValue = "4", paramLabel = "M", description = "Requests per client, one after another (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--cli-runs", defaultValue = "3", paramLabel = "N",
            description = "`bin/safetynets prove` processes per batch size for the comparison; 0 skips it (default: ${DEFAULT-VALUE}).")
    int cliRuns;

    @Option(names = "--fault", description = "Then kill the host (SIGKILL) in the middle of a run and restart it.")
    boolean fault;

    @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS", description = "Each client call's deadline (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME", description = "The started host's and the prove runs' backend (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the random input batches (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the host's models, its log and the prove runs' files go (default: a new temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (clients < 1 || requests < 1) throw new MalformedInput("--clients/--requests", "must be at least 1");
        if (fault && server != null) throw new MalformedInput("--fault", "kills and restarts a host this command started: not with --server");
        for (int b : batches) if (b < 1) throw new MalformedInput("--batches", "must be positive, got " + b);
        List<LoadRun.Mode> modeList = new ArrayList<>();
        for (String m : modes) {
            switch (m) {
                case "prove" -> modeList.add(LoadRun.Mode.PROVE);
                case "interactive" -> modeList.add(LoadRun.Mode.INTERACTIVE);
                default -> throw new MalformedInput("--modes", "expected prove or interactive, got '" + m + "'");
            }
        }
        Model model = modelPath == null ? ShippedModel.load(Limits.DEFAULTS) : Artifacts.readModel(modelPath, Limits.DEFAULTS);
        String reference = ModelRegistry.digest(model);
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("safetynets-bench-serve");
        Path models = Files.createDirectories(dir.resolve("models"));
        Files.write(models.resolve("model.snm"), ModelCodec.encode(model));
        Path log = dir.resolve("host.log");
        ProverClient.Options options = ProverClient.Options.DEFAULTS.withToken(TokenFiles.read(tokenFile)).withTimeout(Duration.ofSeconds(timeoutSeconds));
        int processors = Runtime.getRuntime().availableProcessors();
        List<String> hostArguments = List.of("--backend", backend, "--max-sessions", Integer.toString(Math.max(8, clients)));

        // Inputs and the reference outputs, untimed: uniform random integers in the model's input range.
        Random random = new Random(seed);
        List<long[][]> inputs = new ArrayList<>();
        List<long[][]> expected = new ArrayList<>();
        try (Backend cpu = Backends.open("cpu", 0, reason -> { })) {
            for (int b : batches) {
                long[][] batch = new long[b][model.input().size()];
                for (long[] row : batch) {
                    for (int f = 0; f < row.length; f++) row[f] = model.inputMin() + (long) (random.nextDouble() * (model.inputMax() - model.inputMin() + 1));
                }
                inputs.add(batch);
                expected.add(Prover.infer(model, batch, cpu));
            }
        }

        out.printf(Locale.ROOT, "model %s (%s), %d clients x %d requests, backend %s, %d processors, deadline %d s per call%n",
                modelPath == null ? "shipped mnist-cnn" : modelPath, reference, clients, requests, backend, processors, timeoutSeconds);
        HostProcess host = null;
        try {
            String address;
            if (server != null) {
                address = server;
            } else {
                host = HostProcess.start(launcher(), models, 0, hostArguments, log, 600);
                address = "127.0.0.1:" + host.port();
                out.println("host: bin/safetynets serve, pid " + host.pid() + ", port " + host.port() + ", log " + log);
            }
            out.println("mode         batch  " + LoadRun.Tally.header());
            // The clients' verifier, made once as a client checking many batches would (digest, networks): untimed.
            Verifier.Prepared verifier = Verifier.Prepared.of(model, options.limits());
            boolean clean = true;
            for (int i = 0; i < batches.length; i++) {
                for (LoadRun.Mode mode : modeList) {
                    LoadRun.Workload workload = new LoadRun.Workload(reference, verifier, inputs.get(i), expected.get(i), mode);
                    try (ProverClient warm = ProverClient.connect(address, options)) {
                        LoadRun.Result first = LoadRun.request(warm, workload); // untimed: connection, the host's first batch of this size
                        if (first.outcome() != LoadRun.Outcome.ACCEPTED) {
                            throw new MalformedInput("bench serve", "the warm-up request was not accepted: " + first.outcome() + " " + first.error());
                        }
                    }
                    LoadRun.Tally tally = LoadRun.run(address, options, workload, clients, requests, Duration.ZERO, n -> { });
                    out.printf(Locale.ROOT, "%-12s %5d  %s%n", mode.name().toLowerCase(Locale.ROOT), batches[i], tally.row());
                    tally.errors().forEach((text, count) -> out.printf("    %d x %s%n", count, text));
                    out.flush();
                    clean &= tally.count(LoadRun.Outcome.ACCEPTED) == tally.sent();
                }
            }
            if (cliRuns > 0) cliComparison(out, dir, models.resolve("model.snm"), inputs);
            if (fault) clean &= faultRun(out, host, models, hostArguments, log, options,
                    new LoadRun.Workload(reference, verifier, inputs.get(0), expected.get(0), LoadRun.Mode.INTERACTIVE),
                    new LoadRun.Workload(reference, verifier, inputs.get(0), expected.get(0), LoadRun.Mode.PROVE));
            return clean ? Main.OK : Main.ERROR;
        } finally {
            if (host != null) host.close();
        }
    }

    /** bin/safetynets, which launched this JVM and names itself in a system property. */
    private static Path launcher() {
        String path = System.getProperty("safetynets.launcher");
        if (path == null || !Files.isExecutable(Path.of(path))) {
            throw new MalformedInput("bench serve", "starts hosts with bin/safetynets: run it through bin/safetynets, or give --server");
        }
        return Path.of(path);
    }

    /** One {@code bin/safetynets prove} process per request, timed from the start of the process to its exit. */
    private void cliComparison(PrintWriter out, Path dir, Path modelFile, List<long[][]> inputs) throws IOException, InterruptedException {
        out.println("one `bin/safetynets prove` process per request (cold JVM each), sequential:");
        out.println("batch  runs  median ms   min ms  proofs/s  samples/s");
        for (int i = 0; i < batches.length; i++) {
            Path input = dir.resolve("input-" + batches[i] + ".json");
            Files.write(input, TensorJson.writeInputs(inputs.get(i)));
            long[] nanos = new long[cliRuns];
            for (int run = 0; run < cliRuns; run++) {
                List<String> command = List.of(launcher().toString(), "prove", "-M", modelFile.toString(), "-D", input.toString(),
                        "-O", dir.resolve("proof-" + batches[i] + ".bin").toString(), "--backend", backend);
                long start = System.nanoTime();
                Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("prove.log").toFile())).start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new MalformedInput("bench serve", "`" + String.join(" ", command) + "` did not finish within " + timeoutSeconds + " s");
                }
                nanos[run] = System.nanoTime() - start;
                if (process.exitValue() != 0) {
                    throw new MalformedInput("bench serve", "`" + String.join(" ", command) + "` exited " + process.exitValue() + "; see " + dir.resolve("prove.log"));
                }
            }
            Arrays.sort(nanos);
            double median = nanos[cliRuns / 2] / 1e6;
            out.printf(Locale.ROOT, "%5d %5d %10.0f %8.0f %9.2f %10.0f%n", batches[i], cliRuns, median, nanos[0] / 1e6, 1000 / median, 1000 / median * batches[i]);
        }
        out.flush();
    }

    /**
     * K clients, half interactive and half proof files, each M requests; once every client has had an answer
     * (so the load is in full swing), SIGKILL the host, restart it on the same port, and let the run finish.
     * True when nothing was wrong or lost and the restarted host answers with ACCEPT.
     */
    private boolean faultRun(PrintWriter out, HostProcess started, Path models, List<String> hostArguments, Path log, ProverClient.Options options,
                             LoadRun.Workload interactive, LoadRun.Workload prove) throws Exception {
        int port = started.port();
        AtomicReference<HostProcess> current = new AtomicReference<>(started);
        CountDownLatch killed = new CountDownLatch(1);
        AtomicReference<String> restartNote = new AtomicReference<>("the host was not killed");
        int each = Math.max(1, clients / 2);
        int[] finishedAtKill = new int[1];
        Thread killer = new Thread(() -> {
            try {
                killed.await();
                HostProcess victim = current.get();
                long start = System.nanoTime();
                victim.kill();
                long down = System.nanoTime();
                HostProcess restarted = null;
                for (int attempt = 0; attempt < 20 && restarted == null; attempt++) {
                    try {
                        restarted = HostProcess.start(launcher(), models, port, hostArguments, log, 600);
                    } catch (MalformedInput e) {
                        Thread.sleep(250); // the port may linger a moment after the kill
                    }
                }
                if (restarted == null) {
                    restartNote.set("the host could not be restarted on port " + port + "; see " + log);
                    return;
                }
                current.set(restarted);
                restartNote.set(String.format(Locale.ROOT, "SIGKILL after %d answers; killed in %.0f ms; restarted (pid %d, same port) and serving %.1f s after the kill",
                        finishedAtKill[0], (down - start) / 1e6, restarted.pid(), (System.nanoTime() - start) / 1e9));
            } catch (IOException e) {
                restartNote.set("restart failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-killer");
        killer.start();
        String address = "127.0.0.1:" + port;
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.IntConsumer trigger = n -> {
            if (answered.incrementAndGet() == 2 * each) {
                finishedAtKill[0] = 2 * each;
                killed.countDown();
            }
        };
        // The two halves run side by side: one run of interactive clients, one of proof-file clients.
        AtomicReference<LoadRun.Tally> proveTally = new AtomicReference<>();
        AtomicReference<Exception> proveFailure = new AtomicReference<>();
        Thread proveRun = new Thread(() -> {
            try {
                proveTally.set(LoadRun.run(address, options, prove, each, requests, PAUSE_AFTER_ERROR, trigger));
            } catch (Exception e) {
                proveFailure.set(e);
            }
        }, "bench-prove-clients");
        proveRun.start();
        LoadRun.Tally interactiveTally = LoadRun.run(address, options, interactive, each, requests, PAUSE_AFTER_ERROR, trigger);
        proveRun.join();
        killed.countDown();
        killer.join();
        if (proveFailure.get() != null) throw proveFailure.get();
        out.println("fault run: " + restartNote.get());
        out.println("mode         batch  " + LoadRun.Tally.header());
        boolean clean = true;
        for (LoadRun.Tally tally : List.of(interactiveTally, proveTally.get())) {
            String name = tally == interactiveTally ? "interactive" : "prove";
            out.printf(Locale.ROOT, "%-12s %5d  %s%n", name, tally.batch(), tally.row());
            tally.errors().forEach((text, count) -> out.printf("    %d x %s%n", count, text));
            clean &= tally.count(LoadRun.Outcome.WRONG) == 0 && tally.count(LoadRun.Outcome.LOST) == 0
                    && tally.count(LoadRun.Outcome.REJECTED) == 0;
        }
        try (ProverClient after = ProverClient.connect(address, options)) {
            LoadRun.Result result = LoadRun.request(after, interactive);
            out.println("after the restart, one more interactive request: " + result.outcome() + (result.error() == null ? "" : " " + result.error()));
            clean &= result.outcome() == LoadRun.Outcome.ACCEPTED;
        } finally {
            HostProcess last = current.get();
            if (last != started) last.close();
        }
        out.flush();
        return clean;
    }
}
