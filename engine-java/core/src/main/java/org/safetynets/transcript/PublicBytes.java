package org.safetynets.transcript;

/**
 * Public bytes bound as one transcript event, written in chunks rather than held in one array: an input batch
 * may encode to more bytes than a Java array holds (2^28 eight-byte values is 2 GiB), and need not be copied
 * into one to be hashed. {@link #writeTo} must write exactly {@link #length()} bytes, the same ones every time.
 */
public interface PublicBytes {
    long length();

    void writeTo(Sink sink);

    /** Receives the bytes in order; {@code chunk} may be reused after the call returns. */
    @FunctionalInterface
    interface Sink {
        void write(byte[] chunk, int offset, int length);
    }

    static PublicBytes of(byte[] bytes) {
        return new PublicBytes() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void writeTo(Sink sink) {
                sink.write(bytes, 0, bytes.length);
            }
        };
    }
}
