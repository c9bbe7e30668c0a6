package org.safetynets.cuda;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.safetynets.kernels.DeviceOutOfMemory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

/**
 * What CUDA offers on this machine, probed once per process: the JCuda driver library (which needs the NVIDIA
 * driver's libcuda.so.1), the driver's CUDA version, the GPUs, and for each whether the backend can use it. Probing
 * never throws: without libcuda the first JCuda call throws {@link UnsatisfiedLinkError} and every later one
 * {@link NoClassDefFoundError}, so the answer is cached; no device, a driver too old for the PTX, or a GPU below
 * compute capability 7.5 each become the one-line reason the backend is unavailable.
 */
final class CudaDevices {
    /** The matrix product's 16 x 16 blocks. */
    static final int REQUIRED_THREADS_PER_BLOCK = 256;

    /** One GPU as found; {@code unusableReason} is null when the backend can run on it. */
    record Device(int ordinal, String name, int major, int minor, int multiprocessors, long totalMemory, int maxThreadsPerBlock,
                  long maxGridX, long maxGridY, long maxGridZ, String unusableReason) {
        boolean usable() {
            return unusableReason == null;
        }

        /** Compute capability 9.x (Hopper): the sm_90 fatbin is loaded instead of JIT-compiling the PTX. */
        boolean hopper() {
            return major == 9;
        }

        /** One line for users: "NVIDIA H100 80GB HBM3 (compute capability 9.0, 132 SMs, 79.1 GiB)". */
        String describe() {
            return name + " (compute capability " + major + "." + minor + ", " + multiprocessors
                    + (multiprocessors == 1 ? " SM, " : " SMs, ") + DeviceOutOfMemory.gib(totalMemory) + ")";
        }
    }

    /** The outcome of the probe: the driver's CUDA version (0 if unknown), the GPUs seen, the one chosen, or why none. */
    record Probe(int driverVersion, List<Device> devices, Device chosen, String unavailableReason) {
    }

    private static Probe probe;

    private CudaDevices() {
    }

    /** Probes on first use and caches the answer for the process: loading natives twice cannot give a new answer. */
    static synchronized Probe probe() {
        if (probe == null) probe = run();
        return probe;
    }

    private static Probe run() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            try {
                cuInit(0);
            } catch (CudaException e) {
                if (is(e, CUresult.CUDA_ERROR_NO_DEVICE)) return none(0, List.of(), "the NVIDIA driver is installed but reports no CUDA device (CUDA_ERROR_NO_DEVICE)");
                return none(0, List.of(), "the NVIDIA driver failed to initialise: " + e.getMessage());
            }
            int[] version = new int[1];
            cuDriverGetVersion(version);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] == 0) return none(version[0], List.of(), "the NVIDIA driver reports no CUDA device");
            List<Device> devices = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) devices.add(describe(i));
            int required = CudaKernelImages.requiredDriverVersion();
            if (version[0] < required) {
                return none(version[0], devices, "the NVIDIA driver supports CUDA " + CudaKernelImages.cudaVersion(version[0])
                        + ", the kernels (PTX from nvcc " + CudaKernelImages.cudaVersion(required) + ") need a driver for CUDA "
                        + CudaKernelImages.cudaVersion(required) + " or newer" + (required == 13000 ? " (580 or newer)" : ""));
            }
            for (Device d : devices) if (d.usable()) return new Probe(version[0], List.copyOf(devices), d, null);
            List<String> reasons = new ArrayList<>();
            for (Device d : devices) reasons.add(d.name() + ": " + d.unusableReason());
            return none(version[0], devices, "no usable CUDA device (" + String.join("; ", reasons) + ")");
        } catch (CudaException e) {
            return none(0, List.of(), "CUDA query failed: " + oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            return none(0, List.of(), "CUDA probe failed: " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
        } catch (Throwable t) {
            // UnsatisfiedLinkError when libcuda.so.1 (the NVIDIA driver) is missing, NoClassDefFoundError after it.
            String failure = linkFailure(t);
            return none(0, List.of(), failure.startsWith("libcuda.so") ? "NVIDIA driver not found (" + failure + ")"
                    : "the JCuda driver library cannot be loaded: " + failure);
        }
    }

    private static boolean is(CudaException e, int result) {
        return CUresult.stringFor(result).equals(e.getMessage());
    }

    private static Probe none(int driverVersion, List<Device> devices, String reason) {
        return new Probe(driverVersion, List.copyOf(devices), null, reason);
    }

    private static final Pattern SHARED_OBJECT = Pattern.compile("(lib[\\w.+-]*\\.so[\\w.]*: cannot open shared object file[^\\n]*)");

    /** JCuda's load failure spans many lines; the cause users can act on is the shared object that is missing. */
    static String linkFailure(Throwable t) {
        String message = String.valueOf(t.getMessage());
        Matcher m = SHARED_OBJECT.matcher(message);
        if (m.find()) return m.group(1).strip();
        return t.getClass().getSimpleName() + ": " + oneLine(message);
    }

    static String oneLine(String text) {
        String first = text == null ? "" : text.strip().lines().findFirst().orElse("");
        return first.isEmpty() ? "(no message)" : first;
    }

    private static Device describe(int ordinal) {
        CUdevice device = new CUdevice();
        cuDeviceGet(device, ordinal);
        byte[] nameBytes = new byte[256];
        cuDeviceGetName(nameBytes, nameBytes.length, device);
        int length = 0;
        while (length < nameBytes.length && nameBytes[length] != 0) length++;
        String name = new String(nameBytes, 0, length, StandardCharsets.UTF_8).strip();
        int major = attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        long[] memory = new long[1];
        cuDeviceTotalMem(memory, device);
        int threads = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        String reason = null;
        if (major * 10 + minor < CudaKernelImages.MIN_COMPUTE_CAPABILITY) {
            reason = "compute capability " + major + "." + minor + ", the kernels need 7.5 or newer";
        } else if (threads < REQUIRED_THREADS_PER_BLOCK) {
            reason = "blocks of at most " + threads + " threads, the kernels need " + REQUIRED_THREADS_PER_BLOCK;
        }
        return new Device(ordinal, name, major, minor, attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), memory[0],
                threads, Integer.toUnsignedLong(attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X)),
                Integer.toUnsignedLong(attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y)),
                Integer.toUnsignedLong(attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z)), reason);
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        cuDeviceGetAttribute(value, attribute, device);
        return value[0];
    }
}
