package org.safetynets.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendContractTest;

/** The OpenCL backend under the shared contract: every kernel against BigInteger recomputation. */
class OpenClBackendTest extends BackendContractTest {
    /** Skips (or, where required, fails) the whole class before any backend is opened. */
    @BeforeAll
    static void needsDevice() {
        OpenClRequirement.assumeDevice();
    }

    @Override
    protected Backend newBackend() {
        return OpenClRequirement.open();
    }
}
