package org.safetynets.backend;

import org.safetynets.BackendUnavailable;

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

    /**
     * Opens the backend on one device, named by its number in {@link #devices()} (what {@code safetynets backends}
     * prints), instead of the one {@link #open(int)} would choose: a host with several GPUs runs one prover per GPU,
     * and a Spark executor must use the GPU Spark assigned to its task, not the first. A device that is not there or
     * cannot be used is a {@link BackendUnavailable} naming it. A backend without devices refuses every number.
     */
    default Backend open(int threads, int device) {
        throw new BackendUnavailable("backend '" + name() + "' runs on the host's cores and has no device " + device + " to choose");
    }
}
