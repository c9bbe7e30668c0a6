package org.safetynets.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceInformation;
import org.safetynets.BackendUnavailable;
import org.safetynets.Limits;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.Prover;
import org.safetynets.proof.Verifier;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an executor JVM keeps between tasks: each model decoded (and its prover and verifier prepared) once (keyed by its digest, so the broadcast bytes
 * are read and the no-overflow proof run once per executor, not per batch) and the backends it has opened (opened
 * once per concurrent task slot and reused by every later task). These are the only per-JVM state of the jobs,
 * and on purpose: opening a GPU context or a thread pool per batch would cost more than proving a small batch.
 * Backends live as long as the executor; a task borrows one and gives it back when its batch is proven, so two tasks
 * running at once never share one (a backend is not thread-safe: a device stream, a worker pool).
 */
public final class ExecutorResources {
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, Prover.Prepared> PROVERS = new ConcurrentHashMap<>();
    private static final Map<String, Verifier.Prepared> VERIFIERS = new ConcurrentHashMap<>();
    private static final Map<BackendChoice, ArrayDeque<Backend>> IDLE = new HashMap<>();

    private ExecutorResources() {
    }

    /** "sha256:HEX" of a model's canonical encoding, the digest its proofs bind. */
    public static String digestName(Model model) {
        return "sha256:" + HexFormat.of().formatHex(model.digest());
    }

    /** The model with this digest, decoded from the broadcast bytes the first time this JVM needs it. */
    public static Model model(String digest, Broadcast<byte[]> modelFile) {
        return MODELS.computeIfAbsent(digest, key -> {
            Model model = ModelCodec.decode(modelFile.value(), "the broadcast model", Limits.DEFAULTS);
            if (!digestName(model).equals(key)) throw new IllegalStateException("the broadcast model's digest is not " + key);
            return model;
        });
    }

    /**
     * The prover of the model with this digest, prepared once per JVM (the model's digest and its compiled networks
     * are not redone per batch).
     */
    public static Prover.Prepared prover(String digest, Broadcast<byte[]> modelFile) {
        return PROVERS.computeIfAbsent(digest, key -> Prover.Prepared.of(model(digest, modelFile), Limits.DEFAULTS));
    }

    /** The verifier of the model with this digest, prepared once per JVM, likewise. */
    public static Verifier.Prepared verifier(String digest, Broadcast<byte[]> modelFile) {
        return VERIFIERS.computeIfAbsent(digest, key -> Verifier.Prepared.of(model(digest, modelFile), Limits.DEFAULTS));
    }

    /**
     * The backend a task runs on. {@code auto}: the task's GPU when Spark assigned one (CUDA, then OpenCL; neither
     * running is an error, never a silent fall back to the CPU on a GPU executor), else the CPU backend with the task's
     * cores ({@code spark.task.cpus}). A named backend runs with the task's cores.
     *
     * @param gpuAddresses the addresses of the "gpu" resource Spark gave the task (empty: none)
     */
    public record BackendChoice(List<String> names, int threads, String gpuAddress) {
        public static BackendChoice of(String requested, int taskCpus, String[] gpuAddresses) {
            String gpu = gpuAddresses.length == 0 ? null : String.join(",", gpuAddresses);
            if (!requested.equals("auto")) return new BackendChoice(List.of(requested), taskCpus, gpu);
            if (gpu != null) return new BackendChoice(List.of("cuda", "opencl"), 0, gpu);
            return new BackendChoice(List.of("cpu"), taskCpus, null);
        }

        /** For the task running on this thread. */
        public static BackendChoice forTask(String requested) {
            TaskContext task = TaskContext.get();
            ResourceInformation gpu = task.resources().get("gpu").getOrElse(() -> null);
            return of(requested, task.cpus(), gpu == null ? new String[0] : gpu.addresses());
        }

        /** What the proofs table's backend column says about where a batch was proven. */
        public String describe(Backend backend) {
            return gpuAddress == null ? backend.description() : backend.description() + " (Spark GPU address " + gpuAddress + ")";
        }

        Backend open() {
            List<String> reasons = new ArrayList<>();
            for (String name : names) {
                try {
                    return Backends.open(name, threads, device(name), reason -> { });
                } catch (BackendUnavailable e) {
                    reasons.add(e.getMessage());
                }
            }
            throw new BackendUnavailable(gpuAddress == null ? String.join("; ", reasons)
                    : "Spark assigned GPU " + gpuAddress + " but no GPU backend can run on this executor: " + String.join("; ", reasons));
        }

        /**
         * The device a GPU backend opens: the first address Spark assigned (a task that asked for several GPUs proves
         * on one; a batch is not split across devices). Spark's GPU discovery script lists {@code nvidia-smi}'s
         * indices, which are CUDA's device numbers when the executors run with CUDA_DEVICE_ORDER=PCI_BUS_ID (see the
         * README); without an address, or for the CPU backend, the backend's own choice.
         */
        OptionalInt device(String backend) {
            if (gpuAddress == null || backend.equals("cpu")) return OptionalInt.empty();
            String first = gpuAddress.split(",", -1)[0].strip();
            try {
                return OptionalInt.of(Integer.parseInt(first));
            } catch (NumberFormatException e) {
                throw new BackendUnavailable("Spark assigned GPU address '" + first + "', which is not a device number: "
                        + "the GPU discovery script must list device numbers (nvidia-smi's indices)");
            }
        }
    }

    /** A backend borrowed for one batch: closing it gives it back to the executor's pool. */
    public static final class Lease implements AutoCloseable {
        private final BackendChoice choice;
        private final Backend backend;

        private Lease(BackendChoice choice, Backend backend) {
            this.choice = choice;
            this.backend = backend;
        }

        public Backend backend() {
            return backend;
        }

        @Override
        public void close() {
            synchronized (IDLE) {
                IDLE.computeIfAbsent(choice, key -> new ArrayDeque<>()).push(backend);
            }
        }
    }

    /** An idle backend of this choice, or a newly opened one when every one opened so far is busy. */
    public static Lease borrow(BackendChoice choice) {
        synchronized (IDLE) {
            ArrayDeque<Backend> idle = IDLE.get(choice);
            if (idle != null && !idle.isEmpty()) return new Lease(choice, idle.pop());
        }
        return new Lease(choice, choice.open());
    }
}
