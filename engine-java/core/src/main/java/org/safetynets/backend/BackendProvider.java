package org.safetynets.backend;

import java.util.List;

/**
 * Service-provider interface: each backend module registers one in
 * {@code META-INF/services/org.safetynets.backend.BackendProvider}.
 */
public interface BackendProvider {
    /** The name users choose it by. */
    String name();

    /** Lower runs first under "auto" (CUDA 10, OpenCL 20, CPU 100). */
    int autoPriority();

    /** Why this backend cannot run here, or null when it can. Must not throw. */
    String unavailableReason();

    /**
     * The devices this backend found, one line each with whether it can use it (for {@code safetynets backends}).
     * Empty for a backend without devices to choose from. Must not throw.
     */
    default List<String> devices() {
        return List.of();
    }

    /** @param threads host threads to use, or 0 for every core */
    Backend open(int threads);
}
