package org.safetynets.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A plain C reference from {@code bench/c} (shipped inside the jar), compiled with {@code gcc -O3 -march=native} into
 * a temporary directory that {@link #close()} removes: {@code field_matmul_ref.c} (the matrix product of
 * section (a)) or {@code layer_kernels.c} (the network's layers, {@link LayerComparison}).
 */
public final class CReference implements AutoCloseable {
    static final String MATMUL_SOURCE = "field_matmul_ref.c";
    static final String LAYER_SOURCE = "layer_kernels.c";
    private static final String SOURCE_DIRECTORY = "/org/safetynets/bench/c/";
    /** What both C files include: the field, the fill stream, the checksum (bench/c/field.h). */
    static final String SHARED_HEADER = "field.h";
    static final List<String> FLAGS = List.of("-O3", "-march=native");

    /** Why the C row cannot be produced here: no compiler, or it failed. */
    public static final class Unavailable extends Exception {
        public Unavailable(String reason) {
            super(reason);
        }
    }

    /** The reference's one output line: {@code c_int128 m n k seconds macs_per_second checksum}. */
    public record Result(MatmulShape shape, double seconds, double macsPerSecond, long checksum) {
        static Result parse(String line) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 7 || !f[0].equals("c_int128")) {
                throw new IllegalStateException("unexpected output from the C reference: '" + line + "'");
            }
            MatmulShape shape = new MatmulShape(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]));
            return new Result(shape, Double.parseDouble(f[4]), Double.parseDouble(f[5]), Long.parseUnsignedLong(f[6]));
        }
    }

    private final Path directory;
    private final Path binary;
    private final String compilerVersion;

    private CReference(Path directory, Path binary, String compilerVersion) {
        this.directory = directory;
        this.binary = binary;
        this.compilerVersion = compilerVersion;
    }

    /** Compiles the matrix-product reference with {@code compiler} (a name looked up on PATH, or a path). */
    public static CReference compile(String compiler) throws Unavailable {
        return compile(compiler, MATMUL_SOURCE);
    }

    /** Compiles {@code bench/c/}{@code sourceName} with {@code compiler}. */
    public static CReference compile(String compiler, String sourceName) throws Unavailable {
        Path executable = findExecutable(compiler);
        if (executable == null) {
            throw new Unavailable(compiler + " not found on PATH: install gcc (or pass --cc) to get the C reference row");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("safetynets-bench-");
        } catch (IOException e) {
            throw new Unavailable("cannot create a temporary directory: " + e.getMessage());
        }
        try {
            Path source = directory.resolve(sourceName);
            for (String name : List.of(sourceName, SHARED_HEADER)) {
                try (InputStream in = CReference.class.getResourceAsStream(SOURCE_DIRECTORY + name)) {
                    // A build fault, not this machine's: the tests must fail on it rather than skip as if gcc were missing.
                    if (in == null) throw new IllegalStateException("the C source " + SOURCE_DIRECTORY + name + " is missing from the jar");
                    Files.copy(in, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Path binary = directory.resolve(sourceName.replaceFirst("\\.c$", ""));
            List<String> command = new ArrayList<>();
            command.add(executable.toString());
            command.addAll(FLAGS);
            command.addAll(List.of("-o", binary.toString(), source.toString()));
            ProcessOutput compiled = ProcessOutput.run(command);
            if (compiled.exitCode() != 0) {
                throw new Unavailable(String.join(" ", command) + " failed (exit " + compiled.exitCode() + "): " + compiled.text().trim());
            }
            String version = ProcessOutput.run(List.of(executable.toString(), "-dumpfullversion")).text().trim();
            return new CReference(directory, binary, executable.getFileName() + " " + version + " " + String.join(" ", FLAGS));
        } catch (IOException e) {
            deleteQuietly(directory);
            throw new Unavailable("compiling the C reference failed: " + e.getMessage());
        } catch (Unavailable | RuntimeException e) {
            deleteQuietly(directory);
            throw e;
        }
    }

    /** e.g. "gcc 12.2.0 -O3 -march=native". */
    public String compilerVersion() {
        return compilerVersion;
    }

    /** Runs the single-threaded matrix-product reference; its seconds are the best of {@code repetitions}. */
    public Result run(MatmulShape shape, int repetitions) {
        String text = output(List.of(Integer.toString(shape.m()), Integer.toString(shape.n()), Integer.toString(shape.k()), "1",
                Integer.toString(repetitions)));
        String line = text.lines().filter(l -> l.startsWith("c_int128")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no result line from the C reference: " + text.trim()));
        return Result.parse(line);
    }

    /** Runs the compiled program with these arguments: its output, or an exception naming its exit status and output. */
    String output(List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(arguments);
        try {
            ProcessOutput out = ProcessOutput.run(command);
            if (out.exitCode() != 0) {
                throw new IllegalStateException("the C reference failed (exit " + out.exitCode() + "): " + out.text().trim());
            }
            return out.text();
        } catch (IOException e) {
            throw new UncheckedIOException("running the C reference", e);
        }
    }

    @Override
    public void close() {
        deleteQuietly(directory);
    }

    private static Path findExecutable(String name) {
        if (name.contains("/")) {
            Path path = Path.of(name);
            return Files.isExecutable(path) ? path : null;
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) return null;
        for (String dir : pathVariable.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }

    /** A finished process's exit code and its stdout and stderr together. */
    private record ProcessOutput(int exitCode, String text) {
        static ProcessOutput run(List<String> command) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            // The JVM's signal-chaining library (bin/java-env.sh) is for JVMs: in gcc or the C kernel it only warns.
            builder.environment().remove("LD_PRELOAD");
            Process process = builder.start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                return new ProcessOutput(process.waitFor(), text);
            } catch (InterruptedException e) {
                process.destroy();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + command.get(0), e);
            }
        }
    }
}
