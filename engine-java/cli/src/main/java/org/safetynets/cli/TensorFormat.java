package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.model.Model;

/**
 * A file format for input batches and outputs beside the CLI's JSON, chosen by a file's extension. Found with
 * {@link java.util.ServiceLoader}: the service module provides Arrow IPC files ({@code .arrow}), so the CLI's jar
 * itself carries no Arrow; {@code bin/safetynets} puts the service module's jars on the class path when an
 * argument names such a file. Every reader refuses bad bytes with a {@link org.safetynets.MalformedInput} naming
 * {@code source}.
 */
public interface TensorFormat {
    /** The file name ending this format is chosen by, lower case with its dot: {@code ".arrow"}. */
    String extension();

    /** The input batch in a file's bytes, checked as the JSON reader checks it (width, input range, limits). */
    long[][] readInputs(byte[] bytes, String source, Model model, Limits limits);

    /** The outputs {@code prove} writes: the host's claim, nothing more. */
    byte[] writeOutputs(long[][] outputs);

    /** The outputs a proof established ({@code verify --outputs}), marked verified with the model's digest and output scale. */
    byte[] writeVerifiedOutputs(Model model, long[][] outputs);

    /** Outputs written by {@link #writeOutputs} or {@link #writeVerifiedOutputs} ({@code verify --expect}): {@code width} values a row. */
    long[][] readOutputs(byte[] bytes, String source, int width, int maxRows);

    /**
     * Null when every metadata entry of an outputs file ({@code verify --expect}) that makes a claim about the
     * outputs is what {@link #writeVerifiedOutputs} writes for {@code model}, or there is none; else the first
     * difference, naming {@code source}: a host's file that passes carries no claim a proof did not establish.
     */
    String metadataDifference(byte[] bytes, String source, Model model);
}
