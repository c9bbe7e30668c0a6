package org.safetynets.opencl;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_program;
import org.safetynets.BackendUnavailable;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;
import static org.jocl.CL.clBuildProgram;
import static org.jocl.CL.clCreateContext;
import static org.jocl.CL.clCreateProgramWithSource;
import static org.jocl.CL.clGetProgramBuildInfo;

/**
 * The kernels as one OpenCL program: {@code #define SN_OPENCL}, then the shared prelude and field headers, then the
 * shared kernels (kernels/src/device, which the CUDA backend compiles too) and the OpenCL-only vector kernel,
 * concatenated in that order (resources copied from kernels/src) and compiled at run time.
 *
 * <p>Building costs a compiler run (POCL: LLVM), so each device gets one context with its built program, made on
 * first use and kept for the life of the process; every backend opened on the device shares them and owns only its
 * command queue, kernel objects and buffers, which it releases on close.
 */
final class OpenClProgram {
    /** The source files in concatenation order: later files use what earlier ones define. */
    static final String[] SOURCES = {"common/prelude.h", "common/field.h", "device/reduce.h", "device/inference.h",
        "device/tables.h", "device/sumcheck.h", "opencl/vector.cl"};
    private static final String RESOURCE_ROOT = "/org/safetynets/kernels/";
    /** OpenCL C 1.2 is what POCL and every 1.2+ device compile; nothing newer is used. */
    private static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    /** A device's context and its built program, shared by every backend on that device. */
    record Built(cl_context context, cl_program program) {
    }

    private static final Map<Integer, Built> BUILT = new HashMap<>();

    private OpenClProgram() {
    }

    /**
     * The whole program text, as compiled: with {@code fp64} (the device reports cl_khr_fp64) SN_FP64 is defined, and
     * the limb-method products (KernelBackend.LIMB_KERNELS) are part of it.
     */
    static String source(boolean fp64) {
        StringBuilder text = new StringBuilder("#define SN_OPENCL 1\n");
        if (fp64) text.append("#define SN_FP64 1\n");
        for (String name : SOURCES) {
            try (InputStream in = OpenClProgram.class.getResourceAsStream(RESOURCE_ROOT + name)) {
                if (in == null) throw new IllegalStateException("kernel source " + name + " is missing from the jar");
                text.append("#line 1 \"").append(name).append("\"\n");
                text.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read kernel source " + name, e);
            }
        }
        return text.toString();
    }

    /** The context and program for {@code device}, built on first request. A failed build is BackendUnavailable. */
    static synchronized Built forDevice(OpenClDevices.Device device) {
        Built built = BUILT.get(device.index());
        if (built == null) {
            built = build(device);
            BUILT.put(device.index(), built);
        }
        return built;
    }

    private static Built build(OpenClDevices.Device device) {
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        cl_context context = clCreateContext(properties, 1, new cl_device_id[] {device.id()}, null, null, null);
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source(device.fp64())}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device.id()}, BUILD_OPTIONS, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device.id());
            throw new BackendUnavailable("the OpenCL kernels do not build on " + device.name() + ": "
                    + firstLines(log, 3));
        }
        return new Built(context, program);
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        long[] size = new long[1];
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] log = new byte[(int) size[0]];
        clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
        return new String(log, StandardCharsets.UTF_8).replace("\0", "").strip();
    }

    private static String firstLines(String text, int lines) {
        String[] all = text.split("\n");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(lines, all.length); i++) out.append(i == 0 ? "" : " | ").append(all[i].strip());
        return out.length() == 0 ? "(empty build log)" : out.toString();
    }
}
