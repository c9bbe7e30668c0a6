package org.safetynets.cuda;

import org.safetynets.kernels.DeviceRequirement;

/** The CUDA tests' device requirement: skip where unavailable, fail where SAFETYNETS_REQUIRE_CUDA=1 (see DeviceRequirement). */
final class CudaRequirement {
    static final String VARIABLE = "SAFETYNETS_REQUIRE_CUDA";

    private CudaRequirement() {
    }

    static void assumeDevice() {
        DeviceRequirement.assume("CUDA", VARIABLE, CudaDevices.probe().unavailableReason());
    }

    static CudaBackend open() {
        assumeDevice();
        return (CudaBackend) new CudaBackendProvider().open(0);
    }
}
