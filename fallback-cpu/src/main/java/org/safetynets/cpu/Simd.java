package org.safetynets.cpu;

/**
 * Whether {@link CpuBackend} runs {@link SimdKernels}. They need the incubating Vector API, which a JVM only has when
 * started with {@code --add-modules jdk.incubator.vector} (bin/safetynets, the benchmarks and the tests do), and they
 * only pay with 8 lanes of 64 bits (AVX-512): with AVX2's 4 lanes the limb products cost as much as scalar ones.
 * The system property {@value #PROPERTY} overrides the choice: {@code off}, {@code on} (any lane count, every call),
 * or {@code auto} (the default: 8 lanes, and then by work size, see {@link KernelChoice}).
 */
final class Simd {
    static final String PROPERTY = "safetynets.cpu.simd";
    /** Elements per unit of SIMD work handed to a thread: a multiple of any lane count. */
    static final int CHUNK = 64;
    private static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private Simd() {
    }

    /** Whether the kernels can run here at all. */
    static boolean usable() {
        return MODULE_PRESENT && CHUNK % SimdKernels.lanes() == 0;
    }

    /**
     * What a backend opened without an explicit choice uses; the setting must be valid ({@link #settingError()}):
     * on {@code auto} with 8 lanes, SIMD by work size ({@link KernelChoice#byWorkSize()}).
     */
    static KernelChoice byDefault() {
        return switch (setting()) {
            case "off" -> KernelChoice.scalar();
            case "on" -> usable() ? KernelChoice.always() : KernelChoice.scalar();
            default -> usable() && SimdKernels.lanes() >= 8 ? KernelChoice.byWorkSize() : KernelChoice.scalar();
        };
    }

    /** Why the {@value #PROPERTY} setting cannot be followed, or null. */
    static String settingError() {
        String setting = setting();
        if (!setting.equals("auto") && !setting.equals("on") && !setting.equals("off")) {
            return "-D" + PROPERTY + " must be auto, on or off, not '" + setting + "'";
        }
        if (setting.equals("on") && !usable()) {
            return "-D" + PROPERTY + "=on needs a JVM started with --add-modules jdk.incubator.vector";
        }
        return null;
    }

    private static String setting() {
        return System.getProperty(PROPERTY, "auto");
    }

    /** For the backend's description. */
    static String describe(boolean on) {
        if (on) return "SIMD, " + SimdKernels.lanes() + " lanes";
        if (!MODULE_PRESENT) return "scalar; SIMD needs --add-modules jdk.incubator.vector";
        return "scalar";
    }
}
