package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;
import org.safetynets.proof.ProofCodec;

import java.nio.file.Path;

/**
 * The files the commands exchange: a model ({@link ModelCodec}), an input batch and outputs ({@link TensorJson}),
 * a proof ({@link ProofCodec}), and the names they take by default.
 */
final class Artifacts {
    /** Names inside a {@code demo --save} directory, which {@code verify} reads as they are. */
    static final String MODEL_FILE = "model.snm";
    static final String INPUT_FILE = "input.json";
    static final String PROOF_FILE = "proof.bin";
    static final String OUTPUT_FILE = "output.json";

    private Artifacts() {
    }

    static Model readModel(Path path, Limits limits) {
        return ModelCodec.decode(UserFiles.read(path), path.toString(), limits);
    }

    static long[][] readInputs(Path path, Model model, Limits limits) {
        return TensorJson.readInputs(UserFiles.read(path), path.toString(), model, limits);
    }

    /** A proof file's bytes, refused unread (LimitExceeded) beyond {@code limits.maxProofBytes()}. */
    static byte[] readProof(Path path, Limits limits) {
        long size = UserFiles.size(path);
        limits.requireProofBytes(path.toString(), size);
        return UserFiles.read(path, limits.maxProofBytes());
    }

    /**
     * Where {@code prove} writes the outputs when not told: next to the proof, {@code proof*.bin} becoming
     * {@code output*.json} (proof.bin: output.json, proof-7.bin: output-7.json), any other name losing its
     * extension and gaining {@code .outputs.json} (run1.snp: run1.outputs.json).
     */
    static Path defaultOutputs(Path proof) {
        String name = proof.getFileName().toString();
        String outputs;
        if (name.startsWith("proof") && name.endsWith(".bin") && name.length() >= "proof.bin".length()) {
            outputs = "output" + name.substring("proof".length(), name.length() - ".bin".length()) + ".json";
        } else {
            int dot = name.lastIndexOf('.');
            outputs = (dot > 0 ? name.substring(0, dot) : name) + ".outputs.json";
        }
        return proof.resolveSibling(outputs);
    }
}
