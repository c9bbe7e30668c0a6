package org.safetynets.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.safetynets.kernels.KernelBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed kernel images, without a GPU: present, declaring exactly the kernels the backend launches, tied by
 * the manifest to the current sources (so a kernel edit without regenerating fails here, nvcc or not), and, where
 * the build found nvcc, byte-identical to what it makes of the sources now.
 */
class CudaKernelImagesTest {
    private static final String SOURCES_PROPERTY = "safetynets.kernels.src";
    private static final String GENERATED_PROPERTY = "safetynets.cuda.generated";

    @Test
    void ptxDeclaresExactlyTheKernelsTheBackendLaunches() {
        String ptx = CudaKernelImages.ptx();
        assertFalse(ptx.isBlank());
        Set<String> entries = CudaKernelImages.entryPoints(ptx);
        assertEquals(Set.copyOf(KernelBackend.SHARED_KERNELS), entries, "PTX .entry names against KernelBackend.SHARED_KERNELS");
        assertEquals(KernelBackend.SHARED_KERNELS.size(), entries.size());
        for (String vector : KernelBackend.VECTOR_KERNELS) assertFalse(entries.contains(vector), vector + " is OpenCL's alone");
    }

    @Test
    void ptxTargetsComputeCapability75WithTheIsaTheManifestsNvccEmits() {
        String ptx = CudaKernelImages.ptx();
        assertTrue(ptx.contains("\n.target sm_75\n"), "compute_75 PTX");
        assertTrue(ptx.contains("\n.address_size 64\n"));
        Matcher isa = Pattern.compile("\n\\.version (\\d+)\\.(\\d+)\n").matcher(ptx);
        assertTrue(isa.find(), "a PTX ISA version");
        // nvcc X.Y emits PTX ISA (X - 4).Y: 13.0 -> 9.0, which needs a driver for CUDA 13.0 (580 or newer).
        int required = CudaKernelImages.requiredDriverVersion();
        assertEquals(required / 1000 - 4, Integer.parseInt(isa.group(1)), "PTX ISA major against the manifest's nvcc");
        assertEquals((required % 1000) / 10, Integer.parseInt(isa.group(2)), "PTX ISA minor against the manifest's nvcc");
        assertTrue(ptx.lines().noneMatch(l -> l.contains("/work/") || l.contains("/home/")), "no build path in the PTX");
    }

    @Test
    void fatbinCarriesEveryKernelForSm90() {
        byte[] fatbin = CudaKernelImages.fatbin();
        assertTrue(fatbin.length > 1024, "fatbin of " + fatbin.length + " bytes");
        // The fatbin's magic, 0xBA55ED50 little-endian: a fat binary, not PTX text or a bare cubin.
        assertEquals(0xBA55ED50, (fatbin[0] & 0xFF) | (fatbin[1] & 0xFF) << 8 | (fatbin[2] & 0xFF) << 16 | (fatbin[3] & 0xFF) << 24);
        String text = new String(fatbin, StandardCharsets.ISO_8859_1);
        for (String kernel : KernelBackend.SHARED_KERNELS) {
            assertTrue(text.contains("\0" + kernel + "\0"), kernel + " is not in the sm_90 fatbin's symbols");
        }
        assertTrue(text.contains("sm_90"), "sm_90 code");
    }

    @Test
    void manifestRecordsEachImagesDigest() {
        Properties manifest = CudaKernelImages.manifest();
        assertEquals(sha256(CudaKernelImages.bytes(CudaKernelImages.PTX)), manifest.getProperty(CudaKernelImages.PTX + ".sha256"));
        assertEquals(sha256(CudaKernelImages.bytes(CudaKernelImages.FATBIN)), manifest.getProperty(CudaKernelImages.FATBIN + ".sha256"));
        assertEquals("-ptx -arch=compute_75", manifest.getProperty(CudaKernelImages.PTX + ".flags"));
        assertEquals("-fatbin -gencode arch=compute_90,code=[sm_90,compute_90]", manifest.getProperty(CudaKernelImages.FATBIN + ".flags"));
    }

    /** Runs everywhere the build passes the source directory: nvcc is not needed to notice stale images. */
    @Test
    void committedImagesWereBuiltFromTheCurrentSources() throws IOException {
        Path src = sourcesDirectory();
        String expected = CudaKernelImages.manifest().getProperty("sources.sha256");
        assertNotNull(expected, "the manifest records the sources' SHA-256");
        assertEquals(expected, sourcesDigest(src), "kernel sources under " + src + " changed since the CUDA images were built: "
                + "regenerate them with kernels/cuda/build-kernels.sh kernels/cuda/src/main/resources/org/safetynets/cuda");
    }

    /** Where the build ran nvcc (the nvcc profile), its images must equal the committed ones byte for byte. */
    @Test
    void committedImagesEqualWhatNvccBuildsNow() throws IOException {
        String generated = System.getProperty(GENERATED_PROPERTY);
        Assumptions.assumeTrue(generated != null, "nvcc not found at build time (the nvcc profile is off): images not rebuilt");
        Path dir = Path.of(generated);
        Properties fresh = new Properties();
        try (var in = Files.newInputStream(dir.resolve(CudaKernelImages.MANIFEST))) {
            fresh.load(in);
        }
        String committedNvcc = CudaKernelImages.manifest().getProperty("nvcc");
        Assumptions.assumeTrue(committedNvcc.equals(fresh.getProperty("nvcc")), "the images were built by nvcc " + committedNvcc
                + ", this build has " + fresh.getProperty("nvcc") + ": another nvcc writes other bytes (the sources check above still applies)");
        for (String image : List.of(CudaKernelImages.PTX, CudaKernelImages.FATBIN, CudaKernelImages.MANIFEST)) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(image)), CudaKernelImages.bytes(image), image + " is stale: "
                    + "regenerate with kernels/cuda/build-kernels.sh kernels/cuda/src/main/resources/org/safetynets/cuda");
        }
    }

    private static Path sourcesDirectory() {
        String property = System.getProperty(SOURCES_PROPERTY);
        Path src = property != null ? Path.of(property) : Path.of("..", "src");
        assertTrue(Files.isRegularFile(src.resolve("cuda/kernels.cu")), "kernel sources not found at " + src.toAbsolutePath());
        return src;
    }

    /**
     * build-kernels.sh's digest: sha256sum's lines ("hex  path\n") for every .h and .cu under common/, device/ and
     * cuda/, in byte order of their relative paths, hashed again.
     */
    static String sourcesDigest(Path src) throws IOException {
        List<String> paths = new ArrayList<>();
        for (String dir : List.of("common", "device", "cuda")) {
            try (Stream<Path> files = Files.walk(src.resolve(dir))) {
                files.filter(Files::isRegularFile)
                        .map(p -> src.relativize(p).toString().replace('\\', '/'))
                        .filter(p -> p.endsWith(".h") || p.endsWith(".cu"))
                        .forEach(paths::add);
            }
        }
        paths.sort(null); // String order is byte order for these ASCII names, as LC_ALL=C sort
        StringBuilder lines = new StringBuilder();
        for (String p : paths) lines.append(sha256(Files.readAllBytes(src.resolve(p)))).append("  ").append(p).append('\n');
        return sha256(lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
