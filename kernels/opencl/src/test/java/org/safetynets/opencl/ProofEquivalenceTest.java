package org.safetynets.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.safetynets.backend.Backend;
import org.safetynets.kernels.DeviceProofEquivalenceTest;

/** Whole proofs on the OpenCL backend equal the CPU backend's (Fiat-Shamir bytes, interactive messages). */
class ProofEquivalenceTest extends DeviceProofEquivalenceTest {
    @BeforeAll
    static void needsDevice() {
        OpenClRequirement.assumeDevice();
    }

    @Override
    protected Backend newBackend() {
        return OpenClRequirement.open();
    }
}
