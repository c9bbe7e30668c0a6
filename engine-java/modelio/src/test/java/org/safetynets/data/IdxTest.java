package org.safetynets.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.MalformedInput;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] idx(int magic, int[] dims, byte[] body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) out.writeInt(d);
        out.write(body);
        return bytes.toByteArray();
    }

    static void write(Path path, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            out.write(bytes);
        }
    }

    /** Three 2x3 images with pixel (i, j) = 10 * image + j, labels 7, 0, 9, in the MNIST layout. */
    static void tinySet(Path dir, String prefix, boolean gzip) throws IOException {
        byte[] pixels = new byte[3 * 6];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 6; j++) pixels[i * 6 + j] = (byte) (10 * i + j + (i == 2 ? 200 : 0));
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), idx(Idx.IMAGES_MAGIC, new int[] {3, 2, 3}, pixels), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {7, 0, 9}), gzip);
    }

    @Test
    void readsGzippedAndPlainFilesAlike() throws IOException {
        tinySet(dir, "train", true);
        tinySet(dir, "t10k", false);
        MnistData data = new MnistData(dir);
        for (LabeledImages set : new LabeledImages[] {data.train(), data.test()}) {
            assertEquals(3, set.count());
            assertEquals(2, set.rows());
            assertEquals(3, set.columns());
            assertEquals(14, set.pixel(1, 4));
            assertEquals(225, set.pixel(2, 5)); // unsigned
            assertEquals(9, set.label(2));
        }
    }

    @Test
    void wrongMagicMissingFileAndCountMismatchAreOneLineErrorsNamingTheFile() throws IOException {
        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        write(labels, idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[] {1, 2}), false);
        write(images, idx(Idx.LABELS_MAGIC, new int[] {2, 1, 1}, new byte[] {1, 2}), false);
        MalformedInput magic = assertThrows(MalformedInput.class, () -> Idx.read(images, labels));
        assertTrue(magic.getMessage().contains("magic number 0x00000801, expected 0x00000803"), magic.getMessage());

        write(images, idx(Idx.IMAGES_MAGIC, new int[] {2, 2, 2}, new byte[5]), false);
        MalformedInput shortBody = assertThrows(MalformedInput.class, () -> Idx.read(images, labels));
        assertTrue(shortBody.getMessage().startsWith(images + ": count mismatch"), shortBody.getMessage());

        write(images, idx(Idx.IMAGES_MAGIC, new int[] {2, 1, 1}, new byte[3]), false);
        assertTrue(assertThrows(MalformedInput.class, () -> Idx.read(images, labels)).getMessage().contains("bytes follow"));

        write(images, idx(Idx.IMAGES_MAGIC, new int[] {3, 1, 1}, new byte[3]), false);
        MalformedInput count = assertThrows(MalformedInput.class, () -> Idx.read(images, labels));
        assertTrue(count.getMessage().contains("holds 2 labels but i holds 3 images"), count.getMessage());

        MalformedInput missing = assertThrows(MalformedInput.class, () -> new MnistData(dir).test());
        assertTrue(missing.getMessage().contains("t10k-images-idx3-ubyte.gz: no such file"), missing.getMessage());
        for (MalformedInput e : new MalformedInput[] {magic, shortBody, count, missing}) assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void pixelLevelsRoundToTheModelsInputRange() {
        assertEquals(0, Pixels.level(127, 1));
        assertEquals(1, Pixels.level(128, 1));
        assertEquals(3, Pixels.level(255, 3));
        assertEquals(200, Pixels.level(200, 255));
    }

    @Test
    void realMnistWhenPresentHasTheKnownCounts() {
        Path shared = Path.of("../../../shared/data/mnist");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shared), "no shared MNIST copy here");
        LabeledImages test = new MnistData(shared).test();
        assertEquals(10_000, test.count());
        assertEquals(28, test.rows());
        assertEquals(7, test.label(0)); // the first MNIST test digit is a 7
    }
}
