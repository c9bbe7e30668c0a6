package org.safetynets.bench.jmh;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;

/**
 * The {@code backend} and {@code threads} parameters of the backend benchmarks. {@code backend} is a name as
 * {@code Backends.open} takes it; {@link Main} fills in every available backend unless {@code -p backend=...}
 * is given. {@code threads} is "1" or "all" (every available processor).
 */
final class BackendParams {
    private BackendParams() {
    }

    static int threads(String threads) {
        return threads.equals("all") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
    }

    static Backend open(String backend, String threads) {
        return Backends.open(backend, threads(threads), message -> { });
    }
}
