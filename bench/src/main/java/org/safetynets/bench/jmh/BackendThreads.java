package org.safetynets.bench.jmh;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;

/** The {@code threads} parameter of the backend benchmarks: "1" or "all" (every available processor). */
final class BackendThreads {
    static final String BACKEND = "cpu";

    private BackendThreads() {
    }

    static int count(String threads) {
        return threads.equals("all") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
    }

    static Backend open(String threads) {
        return Backends.open(BACKEND, count(threads), message -> { });
    }
}
