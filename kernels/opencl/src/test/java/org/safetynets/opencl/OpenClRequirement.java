package org.safetynets.opencl;

import org.safetynets.kernels.DeviceRequirement;

/** The OpenCL tests' device requirement: skip where unavailable, fail where SAFETYNETS_REQUIRE_OPENCL=1 (see DeviceRequirement). */
final class OpenClRequirement {
    static final String VARIABLE = "SAFETYNETS_REQUIRE_OPENCL";

    private OpenClRequirement() {
    }

    static void assumeDevice() {
        DeviceRequirement.assume("OpenCL", VARIABLE, OpenClDevices.probe().unavailableReason());
    }

    static OpenClBackend open() {
        assumeDevice();
        return (OpenClBackend) new OpenClBackendProvider().open(0);
    }
}
