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
    void anArrowFileWithoutArrowOnTheClassPathSaysHowToGetIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // The CLI's jar (this module's class path) carries no Arrow: bin/safetynets adds the service module's jars.
        Path model = dir.resolve("model.snm");
        java.nio.file.Files.write(model, org.safetynets.model.ModelCodec.encode(org.safetynets.model.DemoNetwork.build(1)));
        Path input = dir.resolve("x.arrow");
        java.nio.file.Files.write(input, new byte[] {1, 2, 3});
        Cli prove = Cli.run("prove", "-M", model.toString(), "-D", input.toString(), "-O", dir.resolve("p.bin").toString());
        assertEquals(2, prove.exitCode(), prove.err());
        org.junit.jupiter.api.Assertions.assertTrue(prove.err().startsWith("error: " + input + ": is an Arrow IPC file, and Arrow is not on this class path"),
                prove.err());
        assertEquals(null, Artifacts.formatOf(Path.of("x.json")));
        assertEquals(null, Artifacts.formatOf(Path.of("arrow")));
    }

    @Test
    void theDemoSavesTheOutputsUnderTheNameProveGives() {
        assertEquals(Path.of(Artifacts.OUTPUT_FILE), Artifacts.defaultOutputs(Path.of(Artifacts.PROOF_FILE)));
    }
}
