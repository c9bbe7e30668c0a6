package org.safetynets.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safetynets.data.IdxFixtures.idx;
import static org.safetynets.data.IdxFixtures.write;

class IdxTest {
    @TempDir
    Path dir;

    /** Three 2x3 images with pixel (i, j) = 10 * image + j, labels 7, 0, 9, in the MNIST layout. */
    static void tinySet(Path dir, String prefix, boolean gzip) throws IOException {
        byte[] pixels = new byte[3 * 6];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 6; j++) pixels[i * 6 + j] = (byte) (10 * i + j + (i == 2 ? 200 : 0));
        IdxFixtures.writeSet(dir, prefix, new LabeledImages(3, 2, 3, pixels, new byte[] {7, 0, 9}), gzip);
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
    void pickTakesTheImagesAtTheIndicesInThatOrder() throws IOException {
        tinySet(dir, "t10k", false);
        LabeledImages all = new MnistData(dir).test();
        LabeledImages picked = all.pick(new int[] {2, 0, 2});
        assertEquals(3, picked.count());
        assertArrayEquals(new int[] {9, 7, 9}, new int[] {picked.label(0), picked.label(1), picked.label(2)});
        for (int j = 0; j < 6; j++) {
            assertEquals(all.pixel(2, j), picked.pixel(0, j));
            assertEquals(all.pixel(0, j), picked.pixel(1, j));
        }
        assertThrows(IllegalArgumentException.class, () -> all.pick(new int[] {3}));
    }

    @Test
    void lookupTakesTheVariableElseSharedDataUpwardsElseNothing() throws IOException {
        try (FileSystem empty = IdxFixtures.emptyFileSystem(dir)) {
            MnistData.Lookup nowhere = new MnistData.Lookup(Map.of(), empty.getPath("/clone/engine-java/cli"));
            assertEquals(Optional.empty(), nowhere.locate());
            MalformedInput none = assertThrows(MalformedInput.class, () -> MnistData.resolve(null, nowhere));
            assertTrue(none.getMessage().startsWith("--data: no MNIST directory given and none found"), none.getMessage());
        }
        Path deep = Files.createDirectories(dir.resolve("clone/engine-java/cli"));
        Path shared = Files.createDirectories(dir.resolve("shared/data/mnist"));
        Files.write(shared.resolve("t10k-images-idx3-ubyte.gz"), new byte[0]);
        assertEquals(Optional.of(shared), new MnistData.Lookup(Map.of(), deep).locate()); // the ../shared beside the clone
        assertEquals(Optional.of(Path.of("/elsewhere")), new MnistData.Lookup(Map.of(MnistData.ENVIRONMENT_VARIABLE, "/elsewhere"), deep).locate());
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
