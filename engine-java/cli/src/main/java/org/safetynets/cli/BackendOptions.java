package org.safetynets.cli;

import org.safetynets.MalformedInput;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.OptionalInt;

/** {@code --backend}, {@code --device} and {@code --threads}, shared by the commands that run the network (and the service's {@code serve}). */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "Backend to run on: cpu, opencl, cuda, or auto (the first available; default: ${DEFAULT-VALUE}). "
                    + "`safetynets backends` lists them.")
    String backend;

    @Option(names = "--device", paramLabel = "N",
            description = "Run on this device of the named backend (cuda or opencl), by its number in `safetynets backends`; "
                    + "default: the backend's own choice (the first usable GPU).")
    Integer device;

    /** How many host threads per available processor {@code --threads} may ask for. */
    static final int THREADS_PER_PROCESSOR = 4;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Host threads for the backend; 0 (the default) uses every core; at most " + THREADS_PER_PROCESSOR
                    + " per available processor.")
    int threads;

    /**
     * MalformedInput unless {@code threads} is 0 (every core) or 1 .. 4 x the processors this JVM may use. The
     * backends' work is exact arithmetic bound by the CPU, so threads beyond the cores only take turns; four per
     * core leaves room to measure oversubscription, and the ceiling keeps a typo from asking the JVM for 100,000
     * threads (more than a ForkJoinPool can hold, which used to surface as an internal error).
     */
    static int requireThreads(int threads) {
        int processors = Runtime.getRuntime().availableProcessors();
        long most = (long) THREADS_PER_PROCESSOR * processors;
        if (threads < 0) throw new MalformedInput("--threads", "must be 0 (every core) or a positive count, got " + threads);
        if (threads > most) {
            throw new MalformedInput("--threads", "must be at most " + most + " (" + THREADS_PER_PROCESSOR + " x the " + processors
                    + " processors available), got " + threads);
        }
        return threads;
    }

    /**
     * MalformedInput unless {@code --device} is absent, or a number at least 0 with a backend named: a device number
     * indexes one backend's list, so under auto it would pick a device of whichever backend came first.
     */
    static OptionalInt requireDevice(String backend, Integer device) {
        if (device == null) return OptionalInt.empty();
        if (device < 0) throw new MalformedInput("--device", "must be a device number from `safetynets backends` (0 or more), got " + device);
        if (backend.equals("auto")) {
            throw new MalformedInput("--device", "needs --backend cuda or --backend opencl: device numbers belong to one backend's list");
        }
        return OptionalInt.of(device);
    }

    /**
     * Opens the chosen backend. An explicit choice that cannot run here is an error with the reason. Under auto, a
     * backend skipped because it cannot run here (no NVIDIA driver, no OpenCL device) is the machine, not news: it
     * is not printed on every run; {@code safetynets backends} lists each backend with its reason, and with
     * SAFETYNETS_DEBUG set each skipped one is a {@code debug:} line on {@code err}.
     */
    public Backend open(PrintWriter err) {
        requireThreads(threads);
        OptionalInt deviceNumber = requireDevice(backend, device);
        boolean debug = System.getenv("SAFETYNETS_DEBUG") != null;
        Backend opened = Backends.open(backend, threads, deviceNumber, reason -> {
            if (debug) err.println("debug: " + reason);
        });
        err.flush();
        return opened;
    }
}
