package org.safetynets.bench.compare;

import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.ProofCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verifier;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * The peak resident memory of proving one batch, measured as the operating system counts it: a child JVM, started
 * with this JVM's own options (heap size, garbage collector, modules) and class path, reads the model and the batch,
 * proves it once on one backend, verifies the proof, and reports its {@code VmHWM} from {@code /proc/self/status}
 * (the most resident memory the process ever held: Java heap as committed and touched, the JIT, thread stacks,
 * native buffers). A process of its own per (workload, batch, backend), because the comparison's own process has
 * held every earlier configuration's heap, which a garbage collector does not give back to the system promptly; and
 * the resident figure, not the heap in use, because that is what a machine must have: a JVM commits heap beyond its
 * live data before it collects. Where there is no {@code /proc} (not Linux) nothing is measured.
 */
final class ProcessPeak {
    /** The child's last line: this prefix, then the byte count. */
    static final String RESULT = "vmhwm_bytes ";

    private ProcessPeak() {
    }

    /** Whether this system reports a process's peak resident set. */
    static boolean available() {
        return Files.isReadable(Path.of("/proc/self/status"));
    }

    /**
     * Proves {@code samples} once in a child process on the backend named; the child's peak resident bytes.
     *
     * @throws ComparisonFailed if the child fails or its proof is rejected (its last lines of output are in the message)
     */
    static long measure(Model model, long[][] samples, String backend, int threads) {
        Path directory = null;
        try {
            directory = Files.createTempDirectory("safetynets-peak");
            Path modelFile = directory.resolve("model.snm");
            Path inputFile = directory.resolve("inputs.bin");
            Files.write(modelFile, ModelCodec.encode(model));
            writeSamples(inputFile, samples);
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(ProcessPeak.class.getName());
            command.addAll(List.of(modelFile.toString(), inputFile.toString(), backend, Integer.toString(threads)));
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = child.waitFor();
            String[] lines = output.strip().split("\n");
            String last = lines[lines.length - 1];
            if (status != 0 || !last.startsWith(RESULT)) {
                throw new ComparisonFailed("the peak-memory process for " + model.name() + " batch " + samples.length + " on " + backend
                        + " failed (exit " + status + "): " + tail(lines));
            }
            return Long.parseLong(last.substring(RESULT.length()).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ComparisonFailed("interrupted while measuring peak memory");
        } finally {
            if (directory != null) deleteQuietly(directory);
        }
    }

    /** The child: MODEL INPUTS BACKEND THREADS; prints {@link #RESULT} and the byte count as its last line. */
    public static void main(String[] args) throws IOException {
        Model model = ModelCodec.decode(Files.readAllBytes(Path.of(args[0])), args[0]);
        long[][] samples = readSamples(Path.of(args[1]));
        try (Backend backend = Backends.open(args[2], Integer.parseInt(args[3]), warning -> { })) {
            byte[] proof = ProofCodec.encode(Prover.prove(model, samples, backend));
            if (!Verifier.verify(model, samples, proof).accepted()) {
                System.out.println("the proof was rejected");
                System.exit(1);
            }
        }
        OptionalLong peak = peakResidentBytes();
        if (peak.isEmpty()) {
            System.out.println("no VmHWM in /proc/self/status");
            System.exit(1);
        }
        System.out.println(RESULT + peak.getAsLong());
    }

    /** VmHWM of this process, in bytes. */
    static OptionalLong peakResidentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                String[] parts = line.substring("VmHWM:".length()).trim().split("\\s+");
                return OptionalLong.of(Long.parseLong(parts[0]) * 1024); // the kernel reports kB
            }
        }
        return OptionalLong.empty();
    }

    private static void writeSamples(Path file, long[][] samples) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeInt(samples.length);
            out.writeInt(samples[0].length);
            for (long[] sample : samples) for (long v : sample) out.writeLong(v);
        }
    }

    private static long[][] readSamples(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            long[][] samples = new long[in.readInt()][in.readInt()];
            for (long[] sample : samples) for (int i = 0; i < sample.length; i++) sample[i] = in.readLong();
            return samples;
        }
    }

    private static String tail(String[] lines) {
        int from = Math.max(0, lines.length - 5);
        return String.join(" | ", Arrays.copyOfRange(lines, from, lines.length));
    }

    private static void deleteQuietly(Path directory) {
        try (var files = Files.list(directory)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            Files.deleteIfExists(directory);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
