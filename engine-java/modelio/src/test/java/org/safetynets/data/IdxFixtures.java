package org.safetynets.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Idx files written by tests (here and in the CLI's tests, through this module's test-jar). */
public final class IdxFixtures {
    private IdxFixtures() {
    }

    /** An idx file: big-endian magic, the dimensions, then the body. */
    public static byte[] idx(int magic, int[] dims, byte[] body) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(magic);
            for (int d : dims) out.writeInt(d);
            out.write(body);
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path path, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(path)) : Files.newOutputStream(path)) {
            out.write(bytes);
        }
    }

    /**
     * {@code prefix-images-idx3-ubyte[.gz]} and {@code prefix-labels-idx1-ubyte[.gz]} in {@code dir} (prefix
     * "train" or "t10k", the MNIST layout {@link MnistData} reads) holding {@code images}.
     */
    public static void writeSet(Path dir, String prefix, LabeledImages images, boolean gzip) throws IOException {
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix),
                idx(Idx.IMAGES_MAGIC, new int[] {images.count(), images.rows(), images.columns()}, images.pixels()), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), idx(Idx.LABELS_MAGIC, new int[] {images.count()}, images.labels()), gzip);
    }

    /**
     * A new, empty file system (a zip file's, in {@code tempDir}): a working directory in it has no
     * {@code shared/data/mnist} above it on any machine, which no directory of the real file system can promise
     * (here /tmp/shared links to the shared data). Close it after use.
     */
    public static FileSystem emptyFileSystem(Path tempDir) throws IOException {
        return FileSystems.newFileSystem(tempDir.resolve("empty-file-system.zip"), Map.of("create", "true"));
    }
}
