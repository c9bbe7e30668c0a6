package org.safetynets.data;

import org.safetynets.MalformedInput;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The idx format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian magic 0x00000803 (unsigned bytes, three
 * dimensions) for images or 0x00000801 for labels, the dimension sizes as big-endian ints, then the bytes. Files
 * may be gzipped (detected by the gzip magic, not the name). Every defect is one {@link MalformedInput} naming
 * the file.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    /** Refuse absurd headers before allocating: far above MNIST's 60,000 x 28 x 28. */
    private static final long MAX_BYTES = 1L << 30;

    private Idx() {
    }

    /** Reads an images file and a labels file and checks that they agree. */
    public static LabeledImages read(Path images, Path labels) {
        int[] header = new int[3];
        byte[] pixels = readBody(images, IMAGES_MAGIC, header);
        int[] labelHeader = new int[1];
        byte[] labelBytes = readBody(labels, LABELS_MAGIC, labelHeader);
        if (labelHeader[0] != header[0]) {
            throw new MalformedInput(labels.toString(), "holds " + labelHeader[0] + " labels but " + images.getFileName() + " holds " + header[0] + " images");
        }
        for (int i = 0; i < labelBytes.length; i++) {
            if ((labelBytes[i] & 0xFF) > 9) throw new MalformedInput(labels.toString(), "label " + i + " is " + (labelBytes[i] & 0xFF) + ", not a class 0..9");
        }
        return new LabeledImages(header[0], header[1], header[2], pixels, labelBytes);
    }

    private static byte[] readBody(Path path, int magic, int[] dims) {
        String name = path.toString();
        if (!Files.isRegularFile(path)) throw new MalformedInput(name, "no such file");
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(path), 1 << 16))) {
            int found = in.readInt();
            if (found != magic) {
                throw new MalformedInput(name, String.format("magic number 0x%08X, expected 0x%08X (%s)", found, magic,
                        magic == IMAGES_MAGIC ? "idx3 unsigned-byte images" : "idx1 unsigned-byte labels"));
            }
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                if (dims[i] <= 0) throw new MalformedInput(name, "dimension " + i + " is " + dims[i] + ", not positive");
                total *= dims[i];
                if (total > MAX_BYTES) throw new MalformedInput(name, "header declares more than " + MAX_BYTES + " bytes");
            }
            byte[] body = new byte[(int) total];
            int read = in.readNBytes(body, 0, body.length);
            if (read != body.length) {
                throw new MalformedInput(name, "count mismatch: the header declares " + total + " data bytes but the file holds " + read);
            }
            if (in.read() != -1) throw new MalformedInput(name, "count mismatch: bytes follow the " + total + " the header declares");
            return body;
        } catch (EOFException e) {
            throw new MalformedInput(name, "ends inside its header");
        } catch (NoSuchFileException e) {
            throw new MalformedInput(name, "no such file");
        } catch (IOException e) {
            throw new MalformedInput(name, "cannot be read: " + e.getMessage());
        }
    }

    private static InputStream open(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path));
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
    }
}
