package org.safetynets.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Errors in options and files are one line and exit code 2, found before a Spark session is started. */
class SparkMainTest {
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SparkMain.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aBatchSizeThatIsNotAPowerOfTwoIsOneLine(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("inputs"));
        Run run = run("prove", "-M", dir.resolve("model.snm").toString(), "-D", dir.resolve("inputs").toString(), "--batch", "100",
                "-O", dir.resolve("proven").toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals("error: --batch: must be a power of two from 1 to 65536, got 100\n", run.err());
    }

    @Test
    void anExistingOutputDirectoryIsRefusedBeforeAnyWork(@TempDir Path dir) {
        Run run = run("verify", "-M", "model.snm", "-D", "inputs", "-P", "proven", "-O", dir.toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals("error: --out: " + dir + " exists; the jobs write new tables only\n", run.err());
    }

    @Test
    void aMissingInputTableIsOneLine(@TempDir Path dir) {
        Run run = run("prove", "-M", "model.snm", "-D", dir.resolve("none").toString(), "-O", dir.resolve("proven").toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals("error: --input: " + dir.resolve("none") + " does not exist\n", run.err());
    }

    @Test
    void aModelFileThatIsNotAModelIsOneLine(@TempDir Path dir) throws IOException {
        Path model = Files.writeString(dir.resolve("model.snm"), "not a model");
        Files.createDirectory(dir.resolve("inputs"));
        Run run = run("prove", "-M", model.toString(), "-D", dir.resolve("inputs").toString(), "-O", dir.resolve("proven").toString());
        assertEquals(2, run.exitCode(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        assertEquals(true, run.err().startsWith("error: " + model), run::toString);
    }
}
