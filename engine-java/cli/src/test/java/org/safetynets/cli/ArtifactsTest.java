package org.safetynets.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ArtifactsTest {
    @Test
    void outputsGoNextToTheProof() {
        // X.bin -> X.outputs.json, whatever X is; any other name keeps all of itself.
        assertEquals(Path.of("out/proof.outputs.json"), Artifacts.defaultOutputs(Path.of("out/proof.bin")));
        assertEquals(Path.of("proof-7.outputs.json"), Artifacts.defaultOutputs(Path.of("proof-7.bin")));
        assertEquals(Path.of("/a/run1.outputs.json"), Artifacts.defaultOutputs(Path.of("/a/run1.bin")));
        assertEquals(Path.of("/a/run1.snp.outputs.json"), Artifacts.defaultOutputs(Path.of("/a/run1.snp")));
        assertEquals(Path.of("run.outputs.json"), Artifacts.defaultOutputs(Path.of("run")));
        assertEquals(Path.of(".bin.outputs.json"), Artifacts.defaultOutputs(Path.of(".bin")));
    }

    @Test
    void theDemoSavesTheOutputsUnderTheNameProveGives() {
        assertEquals(Path.of(Artifacts.OUTPUT_FILE), Artifacts.defaultOutputs(Path.of(Artifacts.PROOF_FILE)));
    }
}
