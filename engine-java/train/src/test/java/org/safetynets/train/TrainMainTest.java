package org.safetynets.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The train command's checks that come before any training. */
class TrainMainTest {
    @Test
    void anOutputThatIsASymbolicLinkIsRefusedBeforeTheDataIsRead(@TempDir Path work) throws IOException {
        Path target = Files.writeString(work.resolve("elsewhere.onnx"), "keep");
        Path link = Files.createSymbolicLink(work.resolve("model.onnx"), target);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // The data directory does not exist: the output is refused first, not after minutes of training.
        int code = TrainMain.execute(new PrintWriter(out), new PrintWriter(err), "--data", work.resolve("no-data").toString(),
                "--out", link.toString());
        assertEquals(2, code, err::toString);
        assertEquals("", out.toString());
        assertEquals("error: " + link + ": is a symbolic link; refusing to replace it (name the file it points to)", err.toString().strip());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("keep", Files.readString(target));
    }
}
