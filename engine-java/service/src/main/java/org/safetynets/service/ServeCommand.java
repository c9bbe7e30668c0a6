package org.safetynets.service;

import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.cli.BackendOptions;
import org.safetynets.cli.LimitOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;

/**
 * Serves every model in a directory until SIGTERM (or Ctrl-C): then running sessions get the grace period to
 * finish, the rest are stopped, and the backend and the Arrow allocator are freed.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a prover host over Apache Arrow Flight: proof files and the interactive protocol for every .snm model in --models.",
            "Prints the bound port, then one log line per request, on standard error."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--port", defaultValue = "0", paramLabel = "N", description = "Port to listen on; 0 (the default) picks a free one, printed at start.")
    int port;

    @Option(names = "--bind", defaultValue = "0.0.0.0", paramLabel = "HOST", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--models", required = true, paramLabel = "DIR", description = "Directory of .snm models, each served by its file name and by sha256:DIGEST.")
    Path models;

    @Option(names = "--max-sessions", defaultValue = "8", paramLabel = "N",
            description = "Sessions proved at once; a request beyond them is refused with RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(names = "--session-timeout", defaultValue = "600", paramLabel = "SECONDS", description = "Longest session (default: ${DEFAULT-VALUE}).")
    long sessionTimeout;

    @Option(names = "--shutdown-grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM, how long running sessions may finish before they are stopped (default: ${DEFAULT-VALUE}).")
    long shutdownGrace;

    @Option(names = "--max-memory", defaultValue = "0", paramLabel = "MIB",
            description = {"Memory all running sessions may hold at once: each reserves its batch's estimated prover memory before it is read, "
                    + "and one that does not fit is refused with RESOURCE_EXHAUSTED; the Arrow allocator is capped at the same size.",
                "0 (the default): three quarters of the JVM's maximum heap (-Xmx)."})
    long maxMemoryMib;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Require this bearer token of every call (one line).")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "TLS certificate chain (with --tls-key).")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "TLS private key, PKCS#8 (with --tls-cert).")
    Path tlsKey;

    @Mixin
    BackendOptions backendOptions;

    @Mixin
    LimitOptions limitOptions;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Limits limits = limitOptions.limits();
        // Every option is checked before any work (loading and warming the models takes a while).
        if (port < 0 || port > 65535) throw new org.safetynets.MalformedInput("--port", "must be 0 .. 65535, got " + port);
        if (maxMemoryMib < 0 || maxMemoryMib > Long.MAX_VALUE >> 20) {
            throw new org.safetynets.MalformedInput("--max-memory", "must be 0 (3/4 of the heap) or 1 .. " + (Long.MAX_VALUE >> 20) + " MiB, got " + maxMemoryMib);
        }
        long maxMemory = maxMemoryMib == 0 ? Runtime.getRuntime().maxMemory() / 4 * 3 : maxMemoryMib << 20;
        ProverHost.Settings settings = new ProverHost.Settings(maxSessions, Duration.ofSeconds(sessionTimeout), Duration.ofSeconds(shutdownGrace), limits,
                maxMemory);
        String token = TokenFiles.read(tokenFile);
        ModelRegistry registry = ModelRegistry.load(models, limits);
        Backend backend = backendOptions.open(err);
        String jdkNotice = jdkNotice(Runtime.version().feature(), backend.name());
        if (jdkNotice != null) err.println(jdkNotice);
        ProverHostServer server = ProverHostServer.start(new ProverHostServer.Listen(bind, port, token, tlsCertificate, tlsKey), registry, backend,
                settings, line -> {
                    synchronized (err) {
                        // one line each, control characters escaped: a client's text (its model name, mode or
                        // verdict) must not be able to forge or erase a line of the operator's log
                        err.println(Instant.now() + " " + org.safetynets.cli.Main.oneLine(line));
                    }
                }, err::println, UnaryOperator.identity());
        Thread hook = new Thread(() -> {
            err.println(Instant.now() + " shutting down: " + server.runningSessions() + " sessions running");
            server.close();
            err.println(Instant.now() + " stopped");
            err.flush();
        }, "safetynets-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("listening on " + (tlsCertificate == null ? "grpc+tcp://" : "grpc+tls://") + bind + ":" + server.port()
                + " (" + registry.entries().size() + " models, backend " + backend.description() + ", max " + maxSessions + " sessions, "
                + (maxMemory >> 20) + " MiB for sessions"
                + (token == null ? ", NO TOKEN: any client may use this host" : ", bearer token required") + ")");
        out.println("port " + server.port());
        out.flush();
        server.awaitTermination();
        return 0;
    }

    /**
     * A line for the operator of a CPU-backend host on a JDK before 25, or null: JDK 17's C2 now and then compiles the
     * CPU backend's SIMD kernels with every vector boxed, for the life of the process (bench/README.md, "A JDK 17
     * hazard"); the launcher's answer (no tiered compilation) removes it at batch 256, not at 4096.
     */
    static String jdkNotice(int jdkFeature, String backendName) {
        if (jdkFeature >= 25 || !backendName.equals("cpu")) return null;
        return "note: on JDK " + jdkFeature + " some host processes run the CPU backend's x^2 sum-check 3-6x slower at large batches"
                + " (a JIT hazard of the Vector API: bench/README.md, \"A JDK 17 hazard\"); JDK 25 did not show it";
    }
}
