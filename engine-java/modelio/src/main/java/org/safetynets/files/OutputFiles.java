package org.safetynets.files;

import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one place where the commands write the files a user names ({@code prove -O}, {@code quantize --out},
 * {@code demo --save}, {@code bench compare --out}, {@code train --out}).
 *
 * <p>Rule for a target: it may be missing (missing directories above it are created) or an existing regular
 * file, which is replaced. Anything else is refused in one line before any work: a directory, a device, a FIFO,
 * a socket, and a symbolic link (refused rather than followed or replaced: replacing {@code /dev/stdout} or a link
 * into another tree is never what was meant; name the file it points to). The nearest existing directory above it
 * must be a writable directory. Commands call {@link #requireWritable} before their heavy work, so a bad path
 * fails in a second, not after minutes; {@link #writeAtomically} checks again just before writing.
 *
 * <p>Writes are atomic: each file is written to a temporary file in its own directory and renamed over the target
 * only once every file of the set is complete, so an error never leaves a half-written file behind. Every failure
 * is a {@link MalformedInput} naming the file.
 */
public final class OutputFiles {
    private OutputFiles() {
    }

    /** MalformedInput naming the first of {@code files} that {@link #writeAtomically} would refuse, or named twice. */
    public static void requireWritable(Collection<Path> files) {
        requireWritable(files, List.of());
    }

    /**
     * As {@link #requireWritable(Collection)}, and MalformedInput if an output is one of the command's {@code inputs}
     * (writing it would replace what the command reads: a model, an input batch, a proof). Paths are compared as the
     * file system resolves them, through symbolic links to directories and {@code ..}, so two names of one file
     * are caught.
     */
    public static void requireWritable(Collection<Path> files, Collection<Path> inputs) {
        Map<Path, Path> read = new HashMap<>();
        for (Path input : inputs) {
            if (input != null) read.putIfAbsent(resolved(input), input);
        }
        Map<Path, Path> seen = new HashMap<>();
        for (Path file : files) {
            Path key = resolved(file);
            Path previous = seen.putIfAbsent(key, file);
            if (previous != null) throw new MalformedInput(file.toString(), "is named for two outputs (also as " + previous + ")");
            Path input = read.get(key);
            if (input != null) throw new MalformedInput(file.toString(), "is also an input of this command (" + input + "); name another file");
            requireWritableFile(file);
        }
    }

    /**
     * The path as the file system resolves it: the real path of its nearest existing ancestor (symbolic links
     * followed), then the rest of the name. A file that exists resolves to its real path.
     */
    private static Path resolved(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return absolute;
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
        } catch (IOException e) {
            return absolute; // unreadable: the write itself will say why it fails
        }
    }

    /**
     * MalformedInput unless {@code directory} is an existing writable directory (possibly through a symbolic link:
     * files are written inside it, it is not replaced) or can be created.
     */
    public static void requireWritableDirectory(Path directory) {
        if (Files.isDirectory(directory)) {
            if (!Files.isWritable(directory)) throw new MalformedInput(directory.toString(), "cannot be written: permission denied");
            return;
        }
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            throw new MalformedInput(directory.toString(), "is not a directory");
        }
        requireCreatableIn(directory, directory.toAbsolutePath().getParent());
    }

    private static void requireWritableFile(Path file) {
        String name = file.toString();
        if (Files.isSymbolicLink(file)) {
            throw new MalformedInput(name, "is a symbolic link; refusing to replace it (name the file it points to)");
        }
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) throw new MalformedInput(name, "is a directory, not a file");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new MalformedInput(name, "is not a regular file (a device, FIFO or socket); refusing to replace it");
        }
        requireCreatableIn(file, file.toAbsolutePath().getParent());
    }

    /** The nearest existing directory at or above {@code parent} must be a writable directory. */
    private static void requireCreatableIn(Path target, Path parent) {
        Path existing = parent;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return; // nothing above exists: the write itself will say why it fails
        if (!Files.isDirectory(existing)) throw new MalformedInput(target.toString(), "cannot be written: " + existing + " is not a directory");
        if (!Files.isWritable(existing)) {
            throw new MalformedInput(target.toString(), "cannot be written: directory " + existing + " is not writable");
        }
    }

    /** Writes every file in {@code files} (in order), all or none as far as the file system allows. */
    public static void writeAtomically(Map<Path, byte[]> files) {
        requireWritable(files.keySet());
        List<Path[]> staged = new ArrayList<>(); // {temporary, target}
        try {
            for (Map.Entry<Path, byte[]> file : files.entrySet()) {
                Path target = file.getKey().toAbsolutePath();
                try {
                    Files.createDirectories(target.getParent());
                    Path temporary = newTemporary(target);
                    staged.add(new Path[] {temporary, target});
                    keepPermissionsOf(target, temporary); // before any byte is written to it
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

    /**
     * A file being replaced keeps its permissions (a red-team find: a file the user had made owner-only came back
     * readable by all, the umask's mode of a new file). Where the file system has no POSIX permissions, nothing to do.
     */
    private static void keepPermissionsOf(Path target, Path temporary) throws IOException {
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.setPosixFilePermissions(temporary, Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
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

    /** A short reason for a file operation's failure, without the file name, which the caller already gives. */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
        return e.getMessage() != null ? e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " ").strip() : e.getClass().getSimpleName();
    }
}
