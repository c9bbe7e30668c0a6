package org.safetynets.backend;

/**
 * A vector of canonical field elements resident on a backend (host memory, a GPU, an OpenCL device).
 * One owner frees it with {@link #close()}; protocol code holds it in try-with-resources.
 */
public interface DeviceTensor extends AutoCloseable {
    /** Number of field elements. */
    int length();

    @Override
    void close();
}
