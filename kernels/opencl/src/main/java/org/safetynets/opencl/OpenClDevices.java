package org.safetynets.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.safetynets.kernels.DeviceOutOfMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.jocl.CL.CL_DEVICE_AVAILABLE;
import static org.jocl.CL.CL_DEVICE_COMPILER_AVAILABLE;
import static org.jocl.CL.CL_DEVICE_EXTENSIONS;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_PROFILE;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.clGetDeviceIDs;
import static org.jocl.CL.clGetDeviceInfo;
import static org.jocl.CL.clGetPlatformIDs;
import static org.jocl.CL.clGetPlatformInfo;

/**
 * What OpenCL offers on this machine, probed once per process: the JOCL native library, the platforms, their
 * devices, and for each device whether the backend can use it (and why not). Probing never throws: a missing
 * library ({@link UnsatisfiedLinkError}, and {@link NoClassDefFoundError} on every later touch), no platform
 * ({@code CL_PLATFORM_NOT_FOUND_KHR}, -1001) or any other failure becomes the reason the backend is unavailable.
 */
final class OpenClDevices {
    /** CL_PLATFORM_NOT_FOUND_KHR: what the ICD loader answers when no OpenCL driver (ICD) is installed. */
    static final int PLATFORM_NOT_FOUND_KHR = -1001;
    /** The matrix product's 16 x 16 work-groups. */
    static final int REQUIRED_WORK_GROUP = 256;
    /** Its 16 x 16 tiles of 8-byte elements: three in matmul_limb (the weights and two limbs), two otherwise. */
    static final long REQUIRED_LOCAL_MEMORY = 3 * 16 * 16 * 8;

    /** One device as found; {@code unusableReason} is null when the backend can run on it. */
    record Device(int index, cl_platform_id platform, cl_device_id id, String platformName, String name, String type,
                  String version, int computeUnits, long globalMemory, long maxAllocation, boolean fp64, String unusableReason) {
        boolean usable() {
            return unusableReason == null;
        }

        /** One line for users: "POCL / cpu-name (CPU, OpenCL 1.2 ..., 2 compute units, 4.0 GiB)". */
        String describe() {
            return platformName + " / " + name + " (" + type + ", " + version + ", " + computeUnits
                    + (computeUnits == 1 ? " compute unit, " : " compute units, ") + DeviceOutOfMemory.gib(globalMemory) + ")";
        }
    }

    /** The outcome of the probe: the devices seen, the one chosen, or why none can be used. */
    record Probe(List<Device> devices, Device chosen, String unavailableReason) {
    }

    private static Probe probe;

    private OpenClDevices() {
    }

    /** Probes on first use and caches the answer for the process: loading natives twice cannot give a new answer. */
    static synchronized Probe probe() {
        if (probe == null) probe = run();
        return probe;
    }

    private static Probe run() {
        return run(OpenClLoader.unavailableReason());
    }

    /** @param loaderReason why the ICD loader cannot be loaded (then JOCL is not touched), or null to ask JOCL */
    static Probe run(String loaderReason) {
        if (loaderReason != null) return none(List.of(), libraryMissing(loaderReason));
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            try {
                clGetPlatformIDs(0, null, count);
            } catch (CLException e) {
                if (e.getStatus() == PLATFORM_NOT_FOUND_KHR) return none(List.of(), noPlatform());
                throw e;
            }
            if (count[0] == 0) return none(List.of(), noPlatform());
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            clGetPlatformIDs(platforms.length, platforms, null);
            List<Device> devices = new ArrayList<>();
            for (cl_platform_id platform : platforms) {
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                int[] deviceCount = new int[1];
                try {
                    clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, deviceCount);
                } catch (CLException e) {
                    continue; // CL_DEVICE_NOT_FOUND: a platform without devices
                }
                cl_device_id[] ids = new cl_device_id[deviceCount[0]];
                clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
                for (cl_device_id id : ids) devices.add(describe(devices.size(), platform, platformName, id));
            }
            if (devices.isEmpty()) return none(devices, "an OpenCL platform is installed but offers no device");
            Device chosen = choose(devices);
            if (chosen == null) {
                List<String> reasons = new ArrayList<>();
                for (Device d : devices) reasons.add(d.name() + ": " + d.unusableReason());
                return none(devices, "no usable OpenCL device (" + String.join("; ", reasons) + ")");
            }
            return new Probe(List.copyOf(devices), chosen, null);
        } catch (CLException e) {
            return none(List.of(), "OpenCL query failed: " + CL.stringFor_errorCode(e.getStatus()) + " (" + e.getStatus() + ")");
        } catch (Throwable t) {
            // UnsatisfiedLinkError when libOpenCL.so.1 (the ICD loader) is missing, NoClassDefFoundError after it.
            return none(List.of(), libraryMissing(t.toString()));
        }
    }

    private static String libraryMissing(String detail) {
        return "the OpenCL library cannot be loaded (install the ICD loader ocl-icd-libopencl1 and a driver, e.g. "
                + "pocl-opencl-icd): " + detail;
    }

    private static String noPlatform() {
        return "no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR): install an OpenCL driver, e.g. pocl-opencl-icd";
    }

    private static Probe none(List<Device> devices, String reason) {
        return new Probe(List.copyOf(devices), null, reason);
    }

    /** GPUs first, then accelerators, then CPUs; the first usable one of the best kind. */
    private static Device choose(List<Device> devices) {
        for (String kind : new String[] {"GPU", "accelerator", "CPU", "other"}) {
            for (Device d : devices) if (d.usable() && d.type().equals(kind)) return d;
        }
        return null;
    }

    private static Device describe(int index, cl_platform_id platform, String platformName, cl_device_id id) {
        String name = deviceString(id, CL_DEVICE_NAME).strip();
        String version = deviceString(id, CL_DEVICE_VERSION).strip();
        long typeBits = deviceLong(id, CL_DEVICE_TYPE);
        String type = (typeBits & CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (typeBits & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator"
                : (typeBits & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "other";
        int units = deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS);
        long global = deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE);
        long maxAlloc = deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        // cl_khr_fp64: double and fma on it, which the limb-method products need (optional in OpenCL 1.2).
        boolean fp64 = deviceString(id, CL_DEVICE_EXTENSIONS).contains("cl_khr_fp64");
        return new Device(index, platform, id, platformName, name, type, version, units, global, maxAlloc, fp64,
                unusableReason(id, version));
    }

    /** Null when the kernels can be built and run here; else the first thing missing. */
    private static String unusableReason(cl_device_id id, String version) {
        if (deviceInt(id, CL_DEVICE_AVAILABLE) == 0) return "device is not available";
        if (deviceInt(id, CL_DEVICE_COMPILER_AVAILABLE) == 0) return "device has no OpenCL C compiler";
        Matcher m = Pattern.compile("OpenCL (\\d+)\\.(\\d+)").matcher(version);
        if (!m.find()) return "unrecognised device version '" + version + "'";
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < 1 || (major == 1 && minor < 2)) return "device supports " + version + ", the kernels need OpenCL 1.2";
        // ulong is mandatory in the full profile; the embedded profile makes 64-bit integers an extension.
        String profile = deviceString(id, CL_DEVICE_PROFILE).strip();
        String extensions = deviceString(id, CL_DEVICE_EXTENSIONS);
        if (!profile.equals("FULL_PROFILE") && !extensions.contains("cles_khr_int64")) {
            return "device has no 64-bit integers (" + profile + " without cles_khr_int64)";
        }
        long workGroup = deviceSize(id, CL_DEVICE_MAX_WORK_GROUP_SIZE);
        if (workGroup < REQUIRED_WORK_GROUP) return "work-groups of at most " + workGroup + " work-items, the kernels need " + REQUIRED_WORK_GROUP;
        long local = deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE);
        if (local < REQUIRED_LOCAL_MEMORY) return local + " bytes of local memory, the kernels need " + REQUIRED_LOCAL_MEMORY;
        return null;
    }

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(platform, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        clGetPlatformInfo(platform, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(device, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        clGetDeviceInfo(device, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static int deviceInt(cl_device_id device, int param) {
        int[] value = new int[1];
        clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceLong(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    private static long deviceSize(cl_device_id device, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(value), null);
        return value[0];
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
