package org.safetynets.opencl;

import org.safetynets.SafetyNetsException;

/**
 * The device could not hold a tensor: names the tensor, its size and the device, so the user can pick a smaller
 * batch or another backend. Raised for allocation failures (CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES,
 * CL_OUT_OF_HOST_MEMORY, a size above the device's largest allocation), including those a lazy driver reports only
 * when a kernel first touches the buffer.
 */
public final class DeviceOutOfMemory extends SafetyNetsException {
    public DeviceOutOfMemory(String tensor, long bytes, String device, String detail) {
        super("out of device memory: " + tensor + " needs " + bytes + " bytes (" + OpenClDevices.gib(bytes) + ") on "
                + device + ": " + detail);
    }
}
