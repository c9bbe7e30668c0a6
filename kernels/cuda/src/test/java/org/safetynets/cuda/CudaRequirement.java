package org.safetynets.cuda;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that need a GPU skip, with the probe's reason, where CUDA is unavailable (no NVIDIA driver, no device, a
 * driver too old for the PTX); but where the environment sets SAFETYNETS_REQUIRE_CUDA=1 (ci/gpu-check.sh on a GPU
 * host) an unavailable backend fails them instead, so the backend cannot silently go untested there.
 */
final class CudaRequirement {
    static final String VARIABLE = "SAFETYNETS_REQUIRE_CUDA";

    private CudaRequirement() {
    }

    static void assumeDevice() {
        String reason = CudaDevices.probe().unavailableReason();
        if (reason == null) return;
        if ("1".equals(System.getenv(VARIABLE))) fail(VARIABLE + "=1 but the CUDA backend is unavailable: " + reason);
        Assumptions.abort("no usable CUDA device, CUDA tests skipped (set " + VARIABLE + "=1 to fail instead): " + reason);
    }

    static CudaBackend open() {
        assumeDevice();
        return (CudaBackend) new CudaBackendProvider().open(0);
    }
}
