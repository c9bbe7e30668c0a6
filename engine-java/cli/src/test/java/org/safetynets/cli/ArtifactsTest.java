package org.safetynets.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArtifactsTest {
    @Test
    void outputsGoNextToTheProof() {
        assertEquals(Path.of("out/output.json"), Artifacts.defaultOutputs(Path.of("out/proof.bin")));
        assertEquals(Path.of("output-7.json"), Artifacts.defaultOutputs(Path.of("proof-7.bin")));
        assertEquals(Path.of("/a/run1.outputs.json"), Artifacts.defaultOutputs(Path.of("/a/run1.snp")));
        assertEquals(Path.of("run.outputs.json"), Artifacts.defaultOutputs(Path.of("run")));
        assertEquals(Path.of("proofs.outputs.json"), Artifacts.defaultOutputs(Path.of("proofs.dat")));
    }
}
