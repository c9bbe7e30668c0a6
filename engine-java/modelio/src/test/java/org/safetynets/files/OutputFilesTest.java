package org.safetynets.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safetynets.files.SpecialFiles.fifo;
import static org.safetynets.files.SpecialFiles.isSpecial;

/**
 * The output-path rule: new or regular files are written, everything else is refused before anything is
 * written, and the refused thing is left as it was.
 */
class OutputFilesTest {
    private static String refusal(Path... files) {
        return assertThrows(MalformedInput.class, () -> OutputFiles.requireWritable(List.of(files))).getMessage();
    }

    @Test
    void aFifoIsRefusedAndLeftAFifo(@TempDir Path work) throws Exception {
        Path fifo = fifo(work.resolve("proof.bin"));
        assertEquals(fifo + ": is not a regular file (a device, FIFO or socket); refusing to replace it", refusal(fifo));
        assertThrows(MalformedInput.class, () -> OutputFiles.writeAtomically(Map.of(fifo, new byte[] {1})));
        assertTrue(isSpecial(fifo));
        try (var files = Files.list(work)) {
            assertEquals(1, files.count(), "no temporary file is left");
        }
    }

    @Test
    void theDevicesThisMachineHasAreRefused() {
        // Only the check, never a write: run as root, a broken check must not be able to replace a device.
        for (String device : new String[] {"/dev/null", "/dev/full"}) {
            Path path = Path.of(device);
            if (!isSpecial(path)) continue;
            assertTrue(refusal(path).endsWith("is not a regular file (a device, FIFO or socket); refusing to replace it"));
            assertTrue(isSpecial(path));
        }
    }

    @Test
    void aSymbolicLinkIsRefusedAndNeitherItNorItsTargetChanges(@TempDir Path work) throws IOException {
        Path target = Files.writeString(work.resolve("target.bin"), "keep");
        Path link = Files.createSymbolicLink(work.resolve("link.bin"), target);
        assertTrue(refusal(link).endsWith("is a symbolic link; refusing to replace it (name the file it points to)"));
        assertThrows(MalformedInput.class, () -> OutputFiles.writeAtomically(Map.of(link, new byte[] {1})));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("keep", Files.readString(target));
        Path dangling = Files.createSymbolicLink(work.resolve("dangling.bin"), work.resolve("nowhere"));
        assertTrue(refusal(dangling).contains("symbolic link"));
        assertFalse(Files.exists(work.resolve("nowhere")));
    }

    @Test
    void directoriesAndNonDirectoryParentsAreRefused(@TempDir Path work) throws IOException {
        assertEquals(work + ": is a directory, not a file", refusal(work));
        Path file = Files.writeString(work.resolve("file"), "x");
        assertEquals(file.resolve("proof.bin") + ": cannot be written: " + file + " is not a directory",
                refusal(file.resolve("proof.bin")));
        assertEquals(file.resolve("a/b/proof.bin") + ": cannot be written: " + file + " is not a directory",
                refusal(file.resolve("a/b/proof.bin")));
        assertEquals(file + ": is not a directory",
                assertThrows(MalformedInput.class, () -> OutputFiles.requireWritableDirectory(file)).getMessage());
    }

    @Test
    void theSameFileNamedTwiceIsRefused(@TempDir Path work) {
        Path proof = work.resolve("proof.bin");
        assertTrue(refusal(proof, work.resolve("x/../proof.bin")).contains("is named for two outputs"));
    }

    /** A replaced file keeps its permissions: one the user made owner-only stays so. */
    @Test
    void aReplacedFileKeepsItsPermissions(@TempDir Path work) throws IOException {
        Path secret = Files.writeString(work.resolve("secret.json"), "old");
        org.junit.jupiter.api.Assumptions.assumeTrue(secret.getFileSystem().supportedFileAttributeViews().contains("posix"));
        java.util.Set<java.nio.file.attribute.PosixFilePermission> ownerOnly = java.nio.file.attribute.PosixFilePermissions.fromString("rw-------");
        Files.setPosixFilePermissions(secret, ownerOnly);
        OutputFiles.writeAtomically(Map.of(secret, "new".getBytes(StandardCharsets.UTF_8)));
        assertEquals("new", Files.readString(secret));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(secret));
    }

    /** Red-team find: an output reached through a symbolic link to its directory is the same file as another output. */
    @Test
    void anOutputIsNotAnInputNorAnotherOutputThroughALinkedDirectory(@TempDir Path work) throws IOException {
        Path model = Files.writeString(work.resolve("model.snm"), "m");
        Path link = Files.createSymbolicLink(work.resolve("linked"), work);
        assertRefused(() -> OutputFiles.requireWritable(List.of(link.resolve("model.snm")), List.of(model)), "is also an input of this command");
        assertRefused(() -> OutputFiles.requireWritable(List.of(work.resolve("p.bin"), link.resolve("p.bin"))), "is named for two outputs");
        OutputFiles.requireWritable(List.of(work.resolve("p.bin"), link.resolve("q.bin")), List.of(model));
    }

    private static void assertRefused(Runnable check, String why) {
        org.safetynets.MalformedInput e = org.junit.jupiter.api.Assertions.assertThrows(org.safetynets.MalformedInput.class, check::run);
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void newAndRegularFilesAreWrittenWithMissingDirectoriesCreated(@TempDir Path work) throws IOException {
        Path existing = Files.writeString(work.resolve("old.json"), "old");
        Path fresh = work.resolve("new/dir/proof.bin");
        OutputFiles.requireWritable(List.of(existing, fresh));
        OutputFiles.requireWritableDirectory(work.resolve("new"));
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(existing, "new".getBytes(StandardCharsets.UTF_8));
        files.put(fresh, new byte[] {1, 2, 3});
        OutputFiles.writeAtomically(files);
        assertEquals("new", Files.readString(existing));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(fresh));
        assertTrue(Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void oneRefusedFileMeansNoneIsWritten(@TempDir Path work) throws Exception {
        Path first = work.resolve("proof.bin");
        Path fifo = fifo(work.resolve("proof.outputs.json"));
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(first, new byte[] {1});
        files.put(fifo, new byte[] {2});
        assertThrows(MalformedInput.class, () -> OutputFiles.writeAtomically(files));
        assertFalse(Files.exists(first));
        assertTrue(isSpecial(fifo));
    }
}
