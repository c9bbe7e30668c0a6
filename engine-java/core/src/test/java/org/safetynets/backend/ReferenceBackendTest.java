package org.safetynets.backend;

/** The sequential reference keeps the contract too: it is what every other backend is compared with. */
class ReferenceBackendTest extends BackendContractTest {
    @Override
    protected Backend newBackend() {
        return new ReferenceBackend();
    }
}
