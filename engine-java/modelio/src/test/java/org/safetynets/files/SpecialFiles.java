package org.safetynets.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Special files for the output-path tests, made through the system and checked by reading the machine. */
public final class SpecialFiles {
    private SpecialFiles() {
    }

    /** A FIFO at {@code at}, made by the system's mkfifo; the calling test is skipped where there is none. */
    public static Path fifo(Path at) throws IOException, InterruptedException {
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", at.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e.getMessage());
            throw e;
        }
        assumeTrue(mkfifo.waitFor() == 0 && isSpecial(at), "mkfifo did not make a FIFO at " + at);
        return at;
    }

    /** Exists, and is neither a regular file, a directory nor a symbolic link: a device, a FIFO or a socket. */
    public static boolean isSpecial(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(path)
                && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
    }
}
