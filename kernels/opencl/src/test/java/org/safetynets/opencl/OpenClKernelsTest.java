package org.safetynets.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.kernels.DeviceOutOfMemory;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.KernelBackendTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    /**
     * The shared square_sums kernel (what CUDA runs) over many blocks, which the vector kernel square_sums8 serves on a
     * CPU device: without vector kernels, every round but the last three would otherwise go untested here.
     */
    @Test
    void sharedSquareSumsKernelOverManyBlocksMatchesTheReference() {
        try (OpenClBackend scalar = new OpenClBackend(OpenClDevices.probe().chosen(), false)) {
            squareRoundsOverManyBlocksMatchTheReference(scalar);
        }
    }

    @Test
    void tensorLargerThanTheDeviceAllowsIsATypedErrorNamingIt() {
        // One element above the device's own largest allocation (CL_DEVICE_MAX_MEM_ALLOC_SIZE: 2 GiB on one POCL, 8 GiB
        // on another, a quarter of memory on most GPUs), asked for as the product of a column and a row: the operands
        // are small, only the output is too large, and it is refused before anything is allocated for it.
        long maxAllocation = OpenClDevices.probe().chosen().maxAllocation();
        long elements = maxAllocation / 8 + 1;
        int rows = (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(Math.sqrt((double) elements)));
        long cols = (elements + rows - 1) / rows;
        assumeTrue((long) rows * cols <= Integer.MAX_VALUE, "the device allows " + maxAllocation
                + " bytes, more than any tensor (at most 2^31 - 1 elements) can need");
        long bytes = (long) rows * cols * 8;
        assertTrue(bytes > maxAllocation);
        try (DeviceTensor column = backend.upload(new long[rows]); DeviceTensor row = backend.upload(new long[(int) cols])) {
            DeviceOutOfMemory e = assertThrows(DeviceOutOfMemory.class, () -> backend.matmul(column, row, rows, 1, (int) cols));
            assertTrue(e.getMessage().contains("matmul output C (" + rows + " x " + cols + ") needs " + bytes + " bytes"), e.getMessage());
            assertTrue(e.getMessage().contains("largest allocation, " + maxAllocation + " bytes"), e.getMessage());
        }
        assertEquals(0, backend.openTensors());
    }
}
