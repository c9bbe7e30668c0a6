package org.safetynets.bench.jmh;

import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmarks jar's entry point: JMH's own command line, with {@code -p backend=NAME,...} set to every
 * backend available on this machine unless the command line names backends itself. JMH cannot compute a
 * {@code @Param}'s default list at run time, and a benchmark that fails in setup on a missing backend would
 * report an error rather than a skip; so the choice is made here, and each backend left out is printed with
 * its reason.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(withBackends(args, System.err::println));
    }

    static String[] withBackends(String[] args, java.util.function.Consumer<String> skipped) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-p") && args[i + 1].startsWith("backend=")) return args;
        }
        List<String> available = new ArrayList<>();
        for (BackendProvider provider : Backends.providers()) {
            String reason = provider.unavailableReason();
            if (reason == null) available.add(provider.name());
            else skipped.accept("# backend " + provider.name() + " skipped: " + reason);
        }
        if (available.isEmpty()) return args; // the benchmarks' own default; their setup then names the problem
        List<String> extended = new ArrayList<>(Arrays.asList(args));
        extended.add("-p");
        extended.add("backend=" + String.join(",", available));
        return extended.toArray(String[]::new);
    }
}
