package org.safetynets.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compiled kernels this module ships (resources under org/safetynets/cuda, made by kernels/cuda/build-kernels.sh
 * from kernels/src/cuda/kernels.cu, which includes the shared sources):
 * <ul>
 *   <li>{@value #PTX}: PTX for compute capability 7.5, which the driver JIT-compiles for the GPU it finds;</li>
 *   <li>{@value #FATBIN}: sm_90 machine code plus compute_90 PTX, loaded on compute capability 9.x (Hopper) so
 *       that nothing is JIT-compiled there;</li>
 *   <li>{@value #MANIFEST}: the sources' SHA-256, the nvcc that compiled them, its flags and each image's SHA-256.</li>
 * </ul>
 */
final class CudaKernelImages {
    static final String ROOT = "/org/safetynets/cuda/";
    static final String PTX = "kernels.compute_75.ptx";
    static final String FATBIN = "kernels.sm_90.fatbin";
    static final String MANIFEST = "kernels.manifest";
    /** The oldest compute capability the PTX targets, as major * 10 + minor. */
    static final int MIN_COMPUTE_CAPABILITY = 75;

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");
    private static final Pattern NVCC_RELEASE = Pattern.compile("release (\\d+)\\.(\\d+)");

    private CudaKernelImages() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = CudaKernelImages.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IllegalStateException("CUDA kernel image " + name + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CUDA kernel image " + name, e);
        }
    }

    static String ptx() {
        return new String(bytes(PTX), StandardCharsets.US_ASCII);
    }

    static byte[] fatbin() {
        return bytes(FATBIN);
    }

    static Properties manifest() {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(bytes(MANIFEST), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MANIFEST, e);
        }
        return p;
    }

    /** The kernel entry points a PTX text declares ({@code .entry name(}), in order. */
    static Set<String> entryPoints(String ptx) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /**
     * The oldest driver that loads the images, in cuDriverGetVersion's units (1000 * major + 10 * minor): nvcc
     * release X.Y emits PTX that needs a driver for CUDA X.Y (nvcc 13.0: PTX ISA 9.0, driver 580 or newer).
     */
    static int requiredDriverVersion() {
        String nvcc = manifest().getProperty("nvcc", "");
        Matcher m = NVCC_RELEASE.matcher(nvcc);
        if (!m.find()) throw new IllegalStateException(MANIFEST + " names no nvcc release: '" + nvcc + "'");
        return 1000 * Integer.parseInt(m.group(1)) + 10 * Integer.parseInt(m.group(2));
    }

    /** "13.0" for 13000. */
    static String cudaVersion(int driverVersion) {
        return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
    }
}
