package org.safetynets.backend;

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

    /** @param threads host threads to use, or 0 for every core */
    Backend open(int threads);
}
