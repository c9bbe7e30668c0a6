package org.safetynets.opencl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the OpenCL ICD loader ({@code libOpenCL.so.1}) can be loaded, asked before JOCL is touched. Where it is
 * missing, JOCL's native code prints "Could not load libOpenCL.so.1, error ..." (and the same for libOpenCL.so) on
 * the process's stdout through C stdio, where no Java stream can catch it, and a pipe shows it at exit; the probe
 * runs under auto on every command that opens a backend. So on Linux the library is looked for as the dynamic
 * linker looks for it (LD_LIBRARY_PATH, /etc/ld.so.cache, the default directories) and loaded with
 * {@link System#load}, which fails silently; once loaded, JOCL's own dlopen finds it by its soname. Elsewhere, or
 * where the linker's cache cannot be read (not glibc), the answer is "unknown" and JOCL is asked as before.
 */
final class OpenClLoader {
    static final String LIBRARY = "libOpenCL.so.1";
    private static final Path LD_CACHE = Path.of("/etc/ld.so.cache");
    /** The linker's trusted directories, and Debian's multiarch ones in case the cache is stale. */
    private static final List<Path> DEFAULT_DIRECTORIES = List.of(Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"),
            Path.of("/usr/lib"), Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib/aarch64-linux-gnu"), Path.of("/usr/lib/aarch64-linux-gnu"));
    /** A full path to the library in the cache's string table, whose strings end in NUL. */
    private static final Pattern CACHED_PATH = Pattern.compile("/[^\\x00]*/" + Pattern.quote(LIBRARY) + "(?=\\x00)");

    private OpenClLoader() {
    }

    /** Why the ICD loader cannot be loaded here, or null when it was loaded or this cannot tell (then JOCL decides). */
    static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) return null;
        byte[] cache;
        try {
            cache = Files.readAllBytes(LD_CACHE);
        } catch (IOException | SecurityException e) {
            return null;
        }
        return unavailableReason(candidates(System.getenv("LD_LIBRARY_PATH"), cache, DEFAULT_DIRECTORIES), path -> System.load(path.toString()));
    }

    /** The places the linker would look, in its order: LD_LIBRARY_PATH, the cache's entries, the default directories. */
    static List<Path> candidates(String ldLibraryPath, byte[] ldCache, List<Path> defaultDirectories) {
        Set<Path> out = new LinkedHashSet<>();
        if (ldLibraryPath != null) {
            for (String dir : ldLibraryPath.split(":")) if (!dir.isEmpty()) out.add(Path.of(dir, LIBRARY));
        }
        Matcher m = CACHED_PATH.matcher(new String(ldCache, StandardCharsets.ISO_8859_1));
        while (m.find()) out.add(Path.of(m.group()));
        for (Path dir : defaultDirectories) out.add(dir.resolve(LIBRARY));
        return new ArrayList<>(out);
    }

    /** Null once {@code load} accepts one of the candidates that exist; else why none could be loaded. */
    static String unavailableReason(List<Path> candidates, Consumer<Path> load) {
        List<String> failures = new ArrayList<>();
        for (Path candidate : candidates) {
            if (!Files.isRegularFile(candidate)) continue;
            try {
                load.accept(candidate);
                return null;
            } catch (UnsatisfiedLinkError | SecurityException e) {
                failures.add(candidate + ": " + e.getMessage());
            }
        }
        if (failures.isEmpty()) return LIBRARY + " (the ICD loader) is not installed";
        return LIBRARY + " cannot be loaded (" + String.join("; ", failures) + ")";
    }
}
