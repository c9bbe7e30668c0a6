package org.safetynets.opencl;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that need an OpenCL device skip, with the probe's reason, where none is usable; but where the environment
 * sets SAFETYNETS_REQUIRE_OPENCL=1 (CI, which installs POCL) a missing device fails them instead, so the backend
 * cannot silently go untested.
 */
final class OpenClRequirement {
    static final String VARIABLE = "SAFETYNETS_REQUIRE_OPENCL";

    private OpenClRequirement() {
    }

    static void assumeDevice() {
        String reason = OpenClDevices.probe().unavailableReason();
        if (reason == null) return;
        if ("1".equals(System.getenv(VARIABLE))) fail(VARIABLE + "=1 but the OpenCL backend is unavailable: " + reason);
        Assumptions.abort("no usable OpenCL device, OpenCL tests skipped (set " + VARIABLE + "=1 to fail instead): " + reason);
    }

    static OpenClBackend open() {
        assumeDevice();
        return (OpenClBackend) new OpenClBackendProvider().open(0);
    }
}
