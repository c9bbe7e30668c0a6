package org.safetynets.opencl;

import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendContractTest;

/** The OpenCL backend under the shared contract: every kernel against BigInteger recomputation. */
class OpenClBackendTest extends BackendContractTest {
    @Override
    protected Backend newBackend() {
        return OpenClRequirement.open();
    }
}
