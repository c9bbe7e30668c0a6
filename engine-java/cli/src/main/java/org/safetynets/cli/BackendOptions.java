package org.safetynets.cli;

import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code --backend} and {@code --threads}, shared by the commands that run the network. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Backend to run on: cpu, opencl, cuda, or auto (the first available; default: ${DEFAULT-VALUE}). "
                    + "`safetynets backends` lists them.")
    String backend;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Host threads for the backend; 0 (the default) uses every core.")
    int threads;

    /**
     * Opens the chosen backend. An explicit choice that cannot run here is an error with the reason. Under auto, a
     * backend skipped because it cannot run here (no NVIDIA driver, no OpenCL device) is the machine, not news: it
     * is not printed on every run; {@code safetynets backends} lists each backend with its reason, and with
     * SAFETYNETS_DEBUG set each skipped one is a {@code debug:} line on {@code err}.
     */
    Backend open(PrintWriter err) {
        if (threads < 0) throw new MalformedInput("--threads", "must be 0 (every core) or a positive count, got " + threads);
        boolean debug = System.getenv("SAFETYNETS_DEBUG") != null;
        Backend opened = Backends.open(backend, threads, reason -> {
            if (debug) err.println("debug: " + reason);
        });
        err.flush();
        return opened;
    }
}
