package org.safetynets.opencl;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.safetynets.kernels.DeviceOutOfMemory;
import org.safetynets.kernels.KernelArg;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.WorkShape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.jocl.CL.CL_INVALID_BUFFER_SIZE;
import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clSetKernelArg;

/**
 * The prover's kernels on an OpenCL device: the shared kernel sources compiled at run time ({@link OpenClProgram}),
 * driven by the host logic every device backend shares ({@link KernelBackend}). This class supplies the OpenCL
 * primitives: buffers, blocking copies and kernel launches on one in-order command queue, so a kernel sees every
 * earlier write and a blocking read sees every earlier kernel. Kernel objects (and their arguments) belong to this
 * backend; KernelBackend's operations are synchronized, so arguments are set and enqueued without interleaving.
 */
public final class OpenClBackend extends KernelBackend<cl_mem> {
    private final OpenClDevices.Device device;
    private final OpenClProgram.Built built;
    private final cl_command_queue queue;
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    OpenClBackend(OpenClDevices.Device device) {
        this(device, true, true);
    }

    /**
     * @param vectorKernels whether to launch the {@link #VECTOR_KERNELS} (tests turn them off to run the shared ones)
     * @param limbKernels whether to launch the {@link #LIMB_KERNELS} where the device has fp64 (tests turn them off to
     *                    run the signed and 128-bit products on data the limb plan would take)
     */
    OpenClBackend(OpenClDevices.Device device, boolean vectorKernels, boolean limbKernels) {
        super(device.computeUnits(), vectorKernels, !device.fp64() ? "the device has no fp64 (cl_khr_fp64)"
                : limbKernels ? null : "turned off");
        this.device = device;
        this.built = OpenClProgram.forDevice(device);
        this.queue = clCreateCommandQueue(built.context(), device.id(), 0, null);
        try {
            for (String name : KERNELS) kernels.put(name, clCreateKernel(built.program(), name, null));
            for (String name : VECTOR_KERNELS) kernels.put(name, clCreateKernel(built.program(), name, null));
            if (device.fp64()) {
                for (String name : LIMB_KERNELS) kernels.put(name, clCreateKernel(built.program(), name, null));
                kernels.put(VECTOR_LIMB_CONVOLUTION, clCreateKernel(built.program(), VECTOR_LIMB_CONVOLUTION, null));
            }
        } catch (RuntimeException e) {
            releaseDevice();
            throw e;
        }
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        String limbs = limbKernelsUnavailable();
        return "opencl: " + device.describe() + (limbs == null ? ", limb-method products (fp64)" : ", no limb-method products: " + limbs);
    }

    // ---- primitives --------------------------------------------------------------------------------------

    @Override
    protected cl_mem allocate(long bytes, String what) {
        if (bytes > device.maxAllocation()) {
            throw new DeviceOutOfMemory(what, bytes, device.name(), "above the device's largest allocation, "
                    + device.maxAllocation() + " bytes");
        }
        try {
            return clCreateBuffer(built.context(), CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e.getStatus())) throw new DeviceOutOfMemory(what, bytes, device.name(), e.getMessage());
            throw e;
        }
    }

    private static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY
                || status == CL_INVALID_BUFFER_SIZE;
    }

    /** The queue holds its own reference to buffers that queued kernels use, so releasing one now is safe. */
    @Override
    protected void free(cl_mem memory) {
        clReleaseMemObject(memory);
    }

    @Override
    protected void copyToDevice(cl_mem memory, long[] values) {
        clEnqueueWriteBuffer(queue, memory, CL_TRUE, 0, (long) values.length * Sizeof.cl_ulong, Pointer.to(values), 0, null, null);
    }

    @Override
    protected void copyToDevice(cl_mem memory, int[] values) {
        clEnqueueWriteBuffer(queue, memory, CL_TRUE, 0, (long) values.length * Sizeof.cl_int, Pointer.to(values), 0, null, null);
    }

    @Override
    protected void copyFromDevice(cl_mem memory, long offset, long[] into) {
        clEnqueueReadBuffer(queue, memory, CL_TRUE, offset * Sizeof.cl_ulong, (long) into.length * Sizeof.cl_ulong,
                Pointer.to(into), 0, null, null);
    }

    @Override
    protected void launch(String name, List<KernelArg<cl_mem>> args, WorkShape shape) {
        cl_kernel kernel = kernels.get(name);
        for (int i = 0; i < args.size(); i++) {
            KernelArg<cl_mem> arg = args.get(i);
            if (arg instanceof KernelArg.Buffer<cl_mem> b) {
                clSetKernelArg(kernel, i, Sizeof.cl_mem, Pointer.to(b.memory()));
            } else if (arg instanceof KernelArg.U32<cl_mem> u) {
                clSetKernelArg(kernel, i, Sizeof.cl_uint, Pointer.to(new int[] {u.bits()}));
            } else if (arg instanceof KernelArg.U64<cl_mem> u) {
                clSetKernelArg(kernel, i, Sizeof.cl_ulong, Pointer.to(new long[] {u.bits()}));
            }
        }
        try {
            clEnqueueNDRangeKernel(queue, kernel, shape.dimensions(), null, shape.globalSize(), shape.localSize(), 0, null, null);
        } catch (CLException e) {
            // Drivers that allocate lazily report a buffer that does not fit when a kernel first touches it.
            if (isOutOfMemory(e.getStatus())) {
                throw new DeviceOutOfMemory("the buffers of kernel " + name, residentTensorBytes(), device.name(), e.getMessage());
            }
            throw e;
        }
    }

    @Override
    protected void finish() {
        clFinish(queue);
    }

    /** Waits for the queue, then releases the kernels and the queue. The shared context and program stay. */
    @Override
    protected void releaseDevice() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            // The queue is being torn down; an earlier failure was already reported to the caller.
        }
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        kernels.clear();
        clReleaseCommandQueue(queue);
    }
}
