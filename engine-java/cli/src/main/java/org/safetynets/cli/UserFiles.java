package org.safetynets.cli;

import org.safetynets.MalformedInput;
import org.safetynets.files.OutputFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading the files a user names. Every I/O failure becomes a {@link MalformedInput} naming the file, so the CLI
 * reports it in one line. Writing them, and checking an output path before the work, is {@link OutputFiles}.
 */
final class UserFiles {
    /** Files read whole are refused beyond this (the largest Java array). */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private UserFiles() {
    }

    /**
     * The whole file, refused beyond {@code limit} bytes (and {@link #MAX_FILE_BYTES}). A pipe or device (a process
     * substitution, /dev/stdin) has no size to check first: it is read once, through a stream that stops one byte
     * past the limit.
     */
    static byte[] read(Path path, long limit) {
        String name = path.toString();
        if (Files.isDirectory(path)) throw new MalformedInput(name, "is a directory, not a file");
        long cap = Math.min(limit, MAX_FILE_BYTES);
        try {
            if (!Files.isRegularFile(path)) {
                byte[] bytes = readAtMost(path, (int) cap);
                if (bytes == null) throw new MalformedInput(name, "holds more than the limit of " + cap + " bytes");
                return bytes;
            }
            long size = Files.size(path);
            if (size > cap) throw new MalformedInput(name, "is " + size + " bytes, more than the limit of " + cap);
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new MalformedInput(name, "cannot be read: " + describe(e));
        }
    }

    /**
     * The whole file if it holds at most {@code cap} bytes, else null: at most cap + 1 bytes are read, whatever the
     * file (a regular file's size is checked first). For files whose size is the writer's choice, like a host's.
     */
    static byte[] readAtMost(Path path, int cap) {
        String name = path.toString();
        if (Files.isDirectory(path)) throw new MalformedInput(name, "is a directory, not a file");
        try {
            if (Files.isRegularFile(path) && Files.size(path) > cap) return null;
            try (java.io.InputStream in = Files.newInputStream(path)) {
                byte[] bytes = in.readNBytes(cap + 1);
                return bytes.length > cap ? null : bytes;
            }
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

    /** A short reason without the file name, which the caller already gives. */
    static String describe(IOException e) {
        return OutputFiles.describe(e);
    }
}
