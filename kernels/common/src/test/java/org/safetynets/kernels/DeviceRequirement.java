package org.safetynets.kernels;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that need a device skip, with the probe's reason, where the backend cannot run here; but where the
 * environment sets the backend's requirement variable to 1 (CI with POCL for OpenCL, ci/gpu-check.sh on a GPU host
 * for CUDA) an unavailable backend fails them instead, so it cannot silently go untested.
 */
public final class DeviceRequirement {
    private DeviceRequirement() {
    }

    /**
     * @param backend  the backend's name for messages ("OpenCL", "CUDA")
     * @param variable the environment variable that turns a skip into a failure
     * @param reason   why the backend is unavailable, or null when it can run
     */
    public static void assume(String backend, String variable, String reason) {
        if (reason == null) return;
        if ("1".equals(System.getenv(variable))) fail(variable + "=1 but the " + backend + " backend is unavailable: " + reason);
        Assumptions.abort("no usable " + backend + " device, " + backend + " tests skipped (set " + variable + "=1 to fail instead): " + reason);
    }
}
