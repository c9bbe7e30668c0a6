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
        try (OpenClBackend scalar = new OpenClBackend(OpenClDevices.probe().chosen(), false, true)) {
            squareRoundsOverManyBlocksMatchTheReference(scalar);
        }
    }

    /** The shared conv2d_limb (what CUDA runs), which conv2d_limb8 serves on a CPU device for batches of 8. */
    @Test
    void sharedLimbKernelsMatchTheReference() {
        try (OpenClBackend scalar = new OpenClBackend(OpenClDevices.probe().chosen(), false, true)) {
            limbProductsMatchTheReference(scalar);
        }
    }

    /**
     * The limb kernels run wherever the device has fp64 (POCL has), the description says which, and a backend with
     * them turned off gives the same results on the older paths (the limb test's data) without launching one.
     */
    @Test
    void limbKernelsRunWhereTheDeviceHasFp64() {
        OpenClDevices.Device device = OpenClDevices.probe().chosen();
        String noFp64 = "the device has no fp64 (cl_khr_fp64)";
        assertEquals(device.fp64() ? null : noFp64, backend.limbKernelsUnavailable());
        assertTrue(backend.description().endsWith(device.fp64() ? ", limb-method products (fp64)" : ", no limb-method products: " + noFp64),
                backend.description());
        try (OpenClBackend off = new OpenClBackend(device, true, false)) {
            assertEquals(device.fp64() ? "turned off" : noFp64, off.limbKernelsUnavailable());
            limbProductsMatchTheReference(off);
            assertEquals(0, off.limbProducts());
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
