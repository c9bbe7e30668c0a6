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

    /** A short reason without the file name, which the caller already gives. */
    static String describe(IOException e) {
        return OutputFiles.describe(e);
    }
}
