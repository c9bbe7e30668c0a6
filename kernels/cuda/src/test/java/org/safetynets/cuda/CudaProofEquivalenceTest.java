package org.safetynets.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.safetynets.backend.Backend;
import org.safetynets.kernels.DeviceProofEquivalenceTest;

/**
 * Whole proofs on the CUDA backend equal the CPU backend's: byte for byte under Fiat-Shamir for the demo CNN and
 * every TestModels.zoo model, and message for message in the interactive protocol. Needs a GPU.
 */
class CudaProofEquivalenceTest extends DeviceProofEquivalenceTest {
    @BeforeAll
    static void needsDevice() {
        CudaRequirement.assumeDevice();
    }

    @Override
    protected Backend newBackend() {
        return CudaRequirement.open();
    }
}
