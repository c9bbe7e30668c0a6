package org.safetynets.cpu;

import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;

/** Registers the CPU backend as "cpu": always available, the last choice under "auto". */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int autoPriority() {
        return 100;
    }

    /** Null unless the SIMD setting ({@value Simd#PROPERTY}) is one this JVM cannot honour. */
    @Override
    public String unavailableReason() {
        return Simd.settingError();
    }

    /** @param threads worker threads, or 0 for one per available processor */
    @Override
    public Backend open(int threads) {
        if (threads < 0) throw new IllegalArgumentException("threads must be 0 (all cores) or positive: " + threads);
        String reason = unavailableReason();
        if (reason != null) throw new BackendUnavailable("cpu backend: " + reason);
        return new CpuBackend(threads == 0 ? Runtime.getRuntime().availableProcessors() : threads);
    }
}
