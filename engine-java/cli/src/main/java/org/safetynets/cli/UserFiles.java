package org.safetynets.cli;

import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reading and writing the files a user names. Every I/O failure becomes a {@link MalformedInput} naming the file,
 * so the CLI reports it in one line. Writes are atomic: each file is written to a temporary file in its own
 * directory and renamed over the target only once every file of the set is complete, so an error never leaves
 * a half-written proof behind.
 */
final class UserFiles {
    /** Files read whole are refused beyond this (the largest Java array). */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private UserFiles() {
    }

    static byte[] read(Path path, long limit) {
        String name = path.toString();
        if (Files.isDirectory(path)) throw new MalformedInput(name, "is a directory, not a file");
        try {
            long size = Files.size(path);
            if (size > Math.min(limit, MAX_FILE_BYTES)) {
                throw new MalformedInput(name, "is " + size + " bytes, more than the limit of " + Math.min(limit, MAX_FILE_BYTES));
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new MalformedInput(name, "cannot be read: " + describe(e));
        }
    }

    /** The size of a file about to be read, or MalformedInput naming it. */
    static long size(Path path) {
        if (Files.isDirectory(path)) throw new MalformedInput(path.toString(), "is a directory, not a file");
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new MalformedInput(path.toString(), "cannot be read: " + describe(e));
        }
    }

    static byte[] read(Path path) {
        return read(path, MAX_FILE_BYTES);
    }

    /** The first {@code count} bytes of a file (all of it if shorter), without reading the rest. */
    static byte[] readPrefix(Path path, int count) {
        if (Files.isDirectory(path)) throw new MalformedInput(path.toString(), "is a directory, not a file");
        try (java.io.InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(count);
        } catch (IOException e) {
            throw new MalformedInput(path.toString(), "cannot be read: " + describe(e));
        }
    }

    /** Writes every file in {@code files} (in order), all or none as far as the file system allows. */
    static void writeAtomically(Map<Path, byte[]> files) {
        List<Path[]> staged = new ArrayList<>(); // {temporary, target}
        try {
            for (Map.Entry<Path, byte[]> file : files.entrySet()) {
                Path target = file.getKey().toAbsolutePath();
                if (Files.isDirectory(target)) throw new MalformedInput(file.getKey().toString(), "is a directory, not a file");
                try {
                    Files.createDirectories(target.getParent());
                    Path temporary = newTemporary(target);
                    staged.add(new Path[] {temporary, target});
                    Files.write(temporary, file.getValue());
                } catch (IOException e) {
                    throw new MalformedInput(file.getKey().toString(), "cannot be written: " + describe(e));
                }
            }
            for (Path[] pair : staged) move(pair[0], pair[1]);
        } finally {
            for (Path[] pair : staged) {
                try {
                    Files.deleteIfExists(pair[0]);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden .tmp file is harmless
                }
            }
        }
    }

    /**
     * A new empty hidden file beside {@code target}. Not {@code Files.createTempFile}: that makes the file
     * owner-only, and the renamed result should get the permissions the user's umask gives any new file.
     */
    private static Path newTemporary(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong());
            Path temporary = target.resolveSibling("." + target.getFileName() + "." + suffix + ".tmp");
            try {
                Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temporary;
            } catch (FileAlreadyExistsException e) {
                if (attempt == 100) throw e;
            }
        }
    }

    private static void move(Path temporary, Path target) {
        try {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new MalformedInput(target.toString(), "cannot be written: " + describe(e));
        }
    }

    /** A short reason without the file name, which the caller already gives. */
    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        return e.getMessage() != null ? Main.oneLine(e.getMessage()) : e.getClass().getSimpleName();
    }
}
