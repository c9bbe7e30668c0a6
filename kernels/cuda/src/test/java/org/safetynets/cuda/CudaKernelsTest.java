package org.safetynets.cuda;

import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.kernels.DeviceOutOfMemory;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.KernelBackendTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device-kernel tests shared by every device backend (many blocks, tile tails, signed-path boundaries, transfer
 * counters, ownership, leaks), on CUDA, and CUDA's own limits: memory checked before asking, grids per dimension.
 * Needs a GPU.
 */
class CudaKernelsTest extends KernelBackendTest {
    @BeforeAll
    static void needsDevice() {
        CudaRequirement.assumeDevice();
    }

    @Override
    protected KernelBackend<?> newBackend() {
        return CudaRequirement.open();
    }

    private CudaBackend cuda() {
        return (CudaBackend) backend;
    }

    @Test
    void requestAboveTheFreeMemoryIsRefusedBeforeAskingAndNamesTheTensor() {
        long[] free = new long[1];
        long[] total = new long[1];
        JCudaDriver.cuMemGetInfo(free, total);
        long bytes = total[0] + (1L << 30);
        DeviceOutOfMemory e = assertThrows(DeviceOutOfMemory.class, () -> cuda().allocate(bytes, "a buffer larger than the GPU"));
        assertTrue(e.getMessage().contains("a buffer larger than the GPU needs " + bytes + " bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("are free"), e.getMessage());
        assertEquals(0, backend.openTensors());
    }

    @Test
    void tensorsAreDeviceResidentAndCountedInThePeak() {
        backend.resetDevicePeak();
        long before = backend.devicePeakBytes().orElseThrow();
        try (DeviceTensor t = backend.productTable(new long[20], new long[20])) {
            assertEquals(1 << 20, t.length());
            assertTrue(backend.devicePeakBytes().orElseThrow() >= before + (8L << 20));
        }
    }

    @Test
    void gridAboveTheDeviceLimitIsAClearError() {
        // 2^20 + 16 rows: 65537 row tiles of 16, one more than CUDA's 65535 blocks in y.
        int rows = (1 << 20) + 16;
        try (DeviceTensor a = backend.upload(new long[rows]); DeviceTensor b = backend.upload(new long[] {1})) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.matmul(a, b, rows, 1, 1));
            assertTrue(e.getMessage().contains("kernel matmul_signed needs a grid of 1 x 65537 x 1 blocks"), e.getMessage());
        }
        assertEquals(0, backend.openTensors());
    }
}
