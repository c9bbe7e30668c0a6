package org.safetynets.kernels;

import org.safetynets.SafetyNetsException;

import java.util.Locale;

/**
 * The device could not hold a tensor: names the tensor, its size and the device, so the user can pick a smaller
 * batch or another backend. Each device backend raises it for its own allocation failures (OpenCL:
 * CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY, a size above the device's largest
 * allocation, including failures a lazy driver reports only when a kernel first touches the buffer; CUDA:
 * CUDA_ERROR_OUT_OF_MEMORY, or a request above the free memory cuMemGetInfo reports, refused before asking).
 */
public final class DeviceOutOfMemory extends SafetyNetsException {
    public DeviceOutOfMemory(String tensor, long bytes, String device, String detail) {
        super("out of device memory: " + tensor + " needs " + bytes + " bytes (" + gib(bytes) + ") on "
                + device + ": " + detail);
    }

    /** "1.5 GiB": sizes for users, one decimal. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
