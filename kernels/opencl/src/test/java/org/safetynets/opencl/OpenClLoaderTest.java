package org.safetynets.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ICD loader is looked for before JOCL is touched, so a machine without it gets a reason and no "Could not load
 * libOpenCL.so" lines from JOCL's native code (which no Java stream catches; checked by hand in a mount namespace
 * with the library hidden, see ci/check-quiet.sh).
 */
class OpenClLoaderTest {
    @Test
    void candidatesAreLookedForInTheLinkersOrder() {
        byte[] cache = "ld.so-1.7.0\0glibc-ld.so.cache1.1\0libm.so.6\0/usr/lib/x86_64-linux-gnu/libm.so.6\0libOpenCL.so.1\0/opt/icd/lib/libOpenCL.so.1\0"
                .getBytes(StandardCharsets.ISO_8859_1);
        List<Path> candidates = OpenClLoader.candidates("/a::/b", cache, List.of(Path.of("/usr/lib")));
        assertEquals(List.of(Path.of("/a/libOpenCL.so.1"), Path.of("/b/libOpenCL.so.1"), Path.of("/opt/icd/lib/libOpenCL.so.1"),
                Path.of("/usr/lib/libOpenCL.so.1")), candidates);
    }

    @Test
    void aMissingLibraryIsAReasonAndNothingIsLoaded(@TempDir Path dir) {
        List<Path> loaded = new ArrayList<>();
        String reason = OpenClLoader.unavailableReason(List.of(dir.resolve("libOpenCL.so.1")), loaded::add);
        assertEquals("libOpenCL.so.1 (the ICD loader) is not installed", reason);
        assertEquals(List.of(), loaded);
    }

    @Test
    void theFirstCandidateThatLoadsIsTheAnswer(@TempDir Path dir) throws IOException {
        Path broken = Files.write(dir.resolve("broken"), new byte[0]);
        Path good = Files.write(dir.resolve("good"), new byte[0]);
        List<Path> loaded = new ArrayList<>();
        String reason = OpenClLoader.unavailableReason(List.of(dir.resolve("absent"), broken, good), path -> {
            if (path.equals(broken)) throw new UnsatisfiedLinkError(path + ": file too short");
            loaded.add(path);
        });
        assertNull(reason);
        assertEquals(List.of(good), loaded);
        String none = OpenClLoader.unavailableReason(List.of(broken), path -> {
            throw new UnsatisfiedLinkError("file too short");
        });
        assertTrue(none.startsWith("libOpenCL.so.1 cannot be loaded (" + broken + ": file too short"), none);
    }

    @Test
    void withoutTheLoaderTheProbeSaysWhyWithoutAskingJocl() {
        OpenClDevices.Probe probe = OpenClDevices.run("libOpenCL.so.1 (the ICD loader) is not installed");
        assertNull(probe.chosen());
        assertTrue(probe.unavailableReason().contains("install the ICD loader ocl-icd-libopencl1")
                && probe.unavailableReason().endsWith("libOpenCL.so.1 (the ICD loader) is not installed"), probe.unavailableReason());
    }

    @Test
    void onThisMachineTheLoaderIsFoundWhereOpenClIsRequired() {
        if (System.getenv(OpenClRequirement.VARIABLE) == null) return;
        assertNull(OpenClLoader.unavailableReason(), "POCL is required here, so its ICD loader must load");
    }
}
