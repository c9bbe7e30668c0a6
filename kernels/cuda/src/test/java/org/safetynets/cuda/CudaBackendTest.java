package org.safetynets.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendContractTest;

/** The CUDA backend under the shared contract: every kernel against BigInteger recomputation. Needs a GPU. */
class CudaBackendTest extends BackendContractTest {
    /** Skips (or, where required, fails) the whole class before any backend is opened. */
    @BeforeAll
    static void needsDevice() {
        CudaRequirement.assumeDevice();
    }

    @Override
    protected Backend newBackend() {
        return CudaRequirement.open();
    }
}
