package org.safetynets.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.safetynets.kernels.DeviceOutOfMemory;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.KernelBackendTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The device-kernel tests shared by every device backend, on OpenCL, and OpenCL's own memory limit. */
class OpenClKernelsTest extends KernelBackendTest {
    @BeforeAll
    static void needsDevice() {
        OpenClRequirement.assumeDevice();
    }

    @Override
    protected KernelBackend<?> newBackend() {
        return OpenClRequirement.open();
    }

    @Test
    void tensorLargerThanTheDeviceAllowsIsATypedErrorNamingIt() {
        // 2^29 elements = 4 GiB: above POCL's 2 GiB largest allocation (and most GPUs' quarter of memory).
        DeviceOutOfMemory e = assertThrows(DeviceOutOfMemory.class, () -> backend.productTable(new long[29], new long[29]));
        assertTrue(e.getMessage().contains("product table over 29 variables"), e.getMessage());
        assertTrue(e.getMessage().contains("4294967296 bytes"), e.getMessage());
        assertEquals(0, backend.openTensors());
    }
}
