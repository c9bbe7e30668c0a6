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

    public static long[][] readInputs(Path path, Model model, Limits limits) {
        return TensorJson.readInputs(UserFiles.read(path), path.toString(), model, limits);
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
