package org.safetynets.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.safetynets.BackendUnavailable;
import org.safetynets.kernels.DeviceOutOfMemory;
import org.safetynets.kernels.KernelArg;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.WorkShape;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.CUstream_flags.CU_STREAM_DEFAULT;
import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * The prover's kernels on an NVIDIA GPU through JCuda's driver API: the shared kernel sources compiled by nvcc
 * ({@link CudaKernelImages}), driven by the host logic every device backend shares ({@link KernelBackend}). This
 * class supplies the CUDA primitives.
 *
 * <p>Ordering. Kernels run in order on one stream of this backend's own. Every copy and every free first waits for
 * that stream ({@code cuStreamSynchronize}), so a copy to the device never overwrites a buffer a queued kernel still
 * reads (the parameter scratch buffers are reused from call to call), a copy from the device sees every earlier
 * kernel, and no buffer is freed under a running kernel. The copies themselves are synchronous ({@code cuMemcpyHtoD},
 * {@code cuMemcpyDtoH} from Java arrays, on the legacy default stream, which the blocking stream created here waits
 * for), so a later kernel sees a finished copy. Kernels between copies still run back to back without the host.
 *
 * <p>Context. The device's primary context is retained for the backend's life and made current on the calling
 * thread before every driver call (contexts are per thread; the operations are synchronized). The module, its
 * functions and the stream belong to this backend and are released on close; JCuda's exceptions are enabled by
 * the probe, so every driver error is a {@link CudaException}.
 */
public final class CudaBackend extends KernelBackend<CUdeviceptr> {
    /** Allocations from this size on are checked against cuMemGetInfo's free memory first. */
    static final long LARGE_ALLOCATION = 1L << 20;

    private final CudaDevices.Device device;
    private final int driverVersion;
    private final CUdevice cuDevice = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final CUstream stream = new CUstream();
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** Which image the module came from, for the description. */
    private final String image;
    private boolean contextRetained;
    private boolean moduleLoaded;
    private boolean streamCreated;

    CudaBackend(CudaDevices.Device device, int driverVersion) {
        super(device.multiprocessors(), false, null); // every CUDA GPU has fp64: the limb kernels are compiled in
        this.device = device;
        this.driverVersion = driverVersion;
        this.image = device.hopper() ? "sm_90 fatbin" : "compute_75 PTX, JIT-compiled";
        try {
            cuDeviceGet(cuDevice, device.ordinal());
            cuDevicePrimaryCtxRetain(context, cuDevice);
            contextRetained = true;
            current();
            loadModule();
            for (String name : SHARED_KERNELS) {
                CUfunction function = new CUfunction();
                cuModuleGetFunction(function, module, name);
                functions.put(name, function);
            }
            cuStreamCreate(stream, CU_STREAM_DEFAULT);
            streamCreated = true;
        } catch (RuntimeException e) {
            try {
                releaseDevice();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Hopper (9.x) loads the fatbin's sm_90 code; every other GPU the compute_75 PTX, which the driver JIT-compiles
     * (and caches). The String overload of cuModuleLoadData adds the NUL terminator the driver reads PTX up to; the
     * fatbin carries its own length. A driver that cannot load the image makes the backend unavailable, with why.
     */
    private void loadModule() {
        try {
            if (device.hopper()) {
                cuModuleLoadData(module, CudaKernelImages.fatbin());
            } else {
                cuModuleLoadData(module, CudaKernelImages.ptx());
            }
            moduleLoaded = true;
        } catch (CudaException e) {
            throw new BackendUnavailable("the CUDA kernels (" + image + ") do not load on "
                    + device.name() + " with the driver for CUDA " + CudaKernelImages.cudaVersion(driverVersion) + ": "
                    + e.getMessage());
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "cuda: " + device.describe() + ", driver for CUDA " + CudaKernelImages.cudaVersion(driverVersion) + ", " + image;
    }

    private void current() {
        cuCtxSetCurrent(context);
    }

    // ---- primitives --------------------------------------------------------------------------------------

    /**
     * A large request is checked against the free memory first, so that it fails with the tensor's name and what
     * is free rather than with whatever the driver does on the way; any allocation the driver refuses
     * (CUDA_ERROR_OUT_OF_MEMORY) is the same typed error.
     */
    @Override
    protected CUdeviceptr allocate(long bytes, String what) {
        current();
        if (bytes >= LARGE_ALLOCATION) {
            long[] free = new long[1];
            long[] total = new long[1];
            cuMemGetInfo(free, total);
            if (bytes > free[0]) {
                throw new DeviceOutOfMemory(what, bytes, device.name(), "only " + free[0] + " bytes ("
                        + DeviceOutOfMemory.gib(free[0]) + ") of " + DeviceOutOfMemory.gib(total[0]) + " are free");
            }
        }
        CUdeviceptr memory = new CUdeviceptr();
        try {
            cuMemAlloc(memory, bytes);
        } catch (CudaException e) {
            if (CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY).equals(e.getMessage())) {
                throw new DeviceOutOfMemory(what, bytes, device.name(), e.getMessage());
            }
            throw e;
        }
        return memory;
    }

    @Override
    protected void free(CUdeviceptr memory) {
        current();
        cuStreamSynchronize(stream);
        cuMemFree(memory);
    }

    @Override
    protected void copyToDevice(CUdeviceptr memory, long[] values) {
        current();
        cuStreamSynchronize(stream);
        cuMemcpyHtoD(memory, Pointer.to(values), values.length * 8L);
    }

    @Override
    protected void copyToDevice(CUdeviceptr memory, int[] values) {
        current();
        cuStreamSynchronize(stream);
        cuMemcpyHtoD(memory, Pointer.to(values), values.length * 4L);
    }

    @Override
    protected void copyFromDevice(CUdeviceptr memory, long offset, long[] into) {
        current();
        cuStreamSynchronize(stream);
        cuMemcpyDtoH(Pointer.to(into), memory.withByteOffset(offset * 8L), into.length * 8L);
    }

    /**
     * cuLaunchKernel takes a pointer to each argument's value, which the driver copies by the kernel's parameter
     * sizes: a buffer is its 64-bit device address, a u32 four bytes, a u64 eight. Blocks are the work-groups (the
     * kernels' static shared arrays are their LOCAL memory, so no dynamic shared memory is asked for), the grid the
     * number of groups per dimension.
     */
    @Override
    protected void launch(String name, List<KernelArg<CUdeviceptr>> args, WorkShape shape) {
        CUfunction function = functions.get(name);
        if (function == null) throw new IllegalStateException("cuda: no kernel " + name + " in the loaded module");
        checkGrid(name, shape);
        Pointer[] values = new Pointer[args.size()];
        for (int i = 0; i < values.length; i++) values[i] = parameter(args.get(i));
        current();
        cuLaunchKernel(function, (int) shape.groups0(), (int) shape.groups1(), (int) shape.groups2(),
                shape.group0(), shape.group1(), shape.group2(), 0, stream, Pointer.to(values), null);
    }

    /** The host value cuLaunchKernel reads one parameter from. */
    static Pointer parameter(KernelArg<CUdeviceptr> arg) {
        if (arg instanceof KernelArg.Buffer<CUdeviceptr> b) return Pointer.to(b.memory());
        if (arg instanceof KernelArg.U32<CUdeviceptr> u) return Pointer.to(new int[] {u.bits()});
        if (arg instanceof KernelArg.U64<CUdeviceptr> u) return Pointer.to(new long[] {u.bits()});
        throw new IllegalArgumentException("unknown kernel argument " + arg);
    }

    /** CUDA bounds grids per dimension (y and z at 65535 blocks); beyond them a launch would fail without saying which. */
    private void checkGrid(String name, WorkShape shape) {
        long threads = (long) shape.group0() * shape.group1() * shape.group2();
        if (shape.groups0() > device.maxGridX() || shape.groups1() > device.maxGridY() || shape.groups2() > device.maxGridZ()
                || threads > device.maxThreadsPerBlock()) {
            throw new IllegalArgumentException("cuda: kernel " + name + " needs a grid of " + shape.groups0() + " x "
                    + shape.groups1() + " x " + shape.groups2() + " blocks of " + threads + " threads; " + device.name()
                    + " allows at most " + device.maxGridX() + " x " + device.maxGridY() + " x " + device.maxGridZ()
                    + " blocks of " + device.maxThreadsPerBlock());
        }
    }

    @Override
    protected void finish() {
        current();
        cuStreamSynchronize(stream);
    }

    /** Waits for the stream, then destroys it, unloads the module and releases the primary context. */
    @Override
    protected void releaseDevice() {
        if (!contextRetained) return;
        RuntimeException failure = null;
        try {
            current();
            if (streamCreated) {
                streamCreated = false;
                try {
                    cuStreamSynchronize(stream);
                } finally {
                    cuStreamDestroy(stream);
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            if (moduleLoaded) {
                moduleLoaded = false;
                cuModuleUnload(module);
            }
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        functions.clear();
        contextRetained = false;
        cuDevicePrimaryCtxRelease(cuDevice);
        if (failure != null) throw failure;
    }
}
