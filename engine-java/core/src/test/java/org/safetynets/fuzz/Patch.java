package org.safetynets.fuzz;

import java.util.Arrays;

/**
 * The structure-aware half of the fuzz targets: the fuzzer's bytes either are the file (odd first byte) or edit a
 * valid file (even first byte), as a new length and then (offset, value) pairs, so that most inputs get past the
 * magic number and the header into the deep paths of a decoder and the verifier.
 */
public final class Patch {
    private Patch() {
    }

    public static byte[] apply(byte[] valid, byte[] data) {
        if (data.length == 0) return valid.clone();
        if ((data[0] & 1) == 1) return Arrays.copyOfRange(data, 1, data.length);
        int at = 1;
        byte[] out = valid.clone();
        if (data.length >= 3 && (data[0] & 2) == 2) {
            // A new length near the valid one: truncations and trailing bytes.
            int change = (short) ((data[1] & 0xFF) | (data[2] << 8));
            out = Arrays.copyOf(valid, Math.max(0, Math.min(valid.length + change, valid.length + 4096)));
            at = 3;
        }
        for (; at + 2 < data.length && out.length > 0; at += 3) {
            int offset = ((data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8) % out.length;
            out[offset] = data[at + 2];
        }
        return out;
    }
}
