package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.ProofCodec;

import java.nio.file.Path;

/**
 * The files the commands exchange: a model ({@link ModelCodec}), an input batch and outputs ({@link TensorJson}),
 * a proof ({@link ProofCodec}), and the names they take by default. Public for the service module's client, which
 * reads the same model and input files.
 */
public final class Artifacts {
    /** Names inside a {@code demo --save} directory, which {@code verify} reads as they are. */
    static final String MODEL_FILE = "model.snm";
    static final String INPUT_FILE = "input.json";
    static final String PROOF_FILE = "proof.bin";
    /** {@link #defaultOutputs} of {@link #PROOF_FILE}, as {@code prove} names it (ArtifactsTest checks they agree). */
    static final String OUTPUT_FILE = "proof.outputs.json";

    private Artifacts() {
    }

    public static Model readModel(Path path, Limits limits) {
        return ModelCodec.decode(UserFiles.read(path), path.toString(), limits);
    }

    /** An input batch: JSON, or another {@link TensorFormat} chosen by the file's extension ({@code .arrow}). */
    public static long[][] readInputs(Path path, Model model, Limits limits) {
        TensorFormat format = formatOf(path);
        byte[] bytes = UserFiles.read(path);
        return format == null ? TensorJson.readInputs(bytes, path.toString(), model, limits) : format.readInputs(bytes, path.toString(), model, limits);
    }

    /** The bytes of a (claimed) outputs file at {@code path}, in the format its extension names. */
    static byte[] outputsFile(Path path, long[][] outputs) {
        TensorFormat format = formatOf(path);
        return format == null ? TensorJson.writeOutputs(outputs) : format.writeOutputs(outputs);
    }

    /** The bytes of a verified outputs file at {@code path}, in the format its extension names. */
    public static byte[] verifiedOutputsFile(Path path, Model model, long[][] outputs) {
        TensorFormat format = formatOf(path);
        return format == null ? VerifiedOutputs.write(model, outputs) : format.writeVerifiedOutputs(model, outputs);
    }

    /**
     * Null when the claimed outputs file at {@code path} holds exactly {@code verified}, the outputs of {@code model}
     * a proof established, and claims nothing else about them; else the first difference.
     */
    static String claimedOutputsDifference(Path path, byte[] claimed, Model model, long[][] verified) {
        TensorFormat format = formatOf(path);
        if (format == null) return VerifiedOutputs.difference(claimed, path.toString(), model, verified);
        long[][] rows;
        try {
            rows = format.readOutputs(claimed, path.toString(), verified[0].length, verified.length);
        } catch (org.safetynets.MalformedInput e) {
            return Main.oneLine(e.getMessage());
        }
        if (rows.length != verified.length) return path + " claims " + rows.length + " samples; the proof establishes " + verified.length;
        for (int b = 0; b < verified.length; b++) {
            for (int f = 0; f < verified[b].length; f++) {
                if (rows[b][f] != verified[b][f]) {
                    return path + " sample " + b + " output " + f + " claims " + rows[b][f] + "; the proof establishes " + verified[b][f];
                }
            }
        }
        return format.metadataDifference(claimed, path.toString(), model);
    }

    /** The file name ending of the Arrow IPC format, which the service module's jars provide. */
    static final String ARROW_EXTENSION = ".arrow";

    /**
     * The format a file's extension names, or null for JSON (any other name). An {@code .arrow} file with no Arrow
     * on the class path is an error saying how to get it, not a JSON parse error.
     */
    static TensorFormat formatOf(Path path) {
        Path name = path.getFileName();
        String lower = name == null ? "" : name.toString().toLowerCase(java.util.Locale.ROOT);
        for (TensorFormat format : java.util.ServiceLoader.load(TensorFormat.class, Artifacts.class.getClassLoader())) {
            if (lower.endsWith(format.extension())) return format;
        }
        if (lower.endsWith(ARROW_EXTENSION)) {
            throw new org.safetynets.MalformedInput(path.toString(), "is an Arrow IPC file, and Arrow is not on this class path: run it through "
                    + "bin/safetynets, which adds the service module's jars (engine-java/service/target, built by mvn package)");
        }
        return null;
    }

    /** A proof file's bytes, refused unread (LimitExceeded) beyond {@code limits.maxProofBytes()}. */
    static byte[] readProof(Path path, Limits limits) {
        long size = UserFiles.size(path);
        limits.requireProofBytes(path.toString(), size);
        return UserFiles.read(path, limits.maxProofBytes());
    }

    /**
     * Where {@code prove} writes the outputs when not told: next to the proof, {@code X.bin} becoming
     * {@code X.outputs.json} (proof.bin: proof.outputs.json) and any other name keeping all of itself
     * (run1.snp: run1.snp.outputs.json), so no extension is lost and run1.snp and run1.dat keep apart.
     */
    static Path defaultOutputs(Path proof) {
        String name = proof.getFileName().toString();
        String stem = name.endsWith(".bin") && name.length() > ".bin".length() ? name.substring(0, name.length() - ".bin".length()) : name;
        return proof.resolveSibling(stem + ".outputs.json");
    }
}
