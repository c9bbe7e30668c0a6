package org.safetynets.bench.compare;

/**
 * The figures of one (workload, batch) that no backend takes part in, measured once per repetition and reported
 * once: float inference (the client's own forward pass, one host thread) and the verifier (one host thread, on
 * the proof bytes, which are byte-identical across backends). Timings are null where a figure does not apply (a
 * matrix product has no verifier) or the cell was skipped ({@code note} says why).
 *
 * @param floatInference plain double forward pass on one thread ({@code FloatInference}); for the matrix product,
 *                       the same product in doubles
 * @param verifier       {@code Verifier.verify} on the encoded proof bytes, decoding included: what a one-shot
 *                       {@code safetynets verify} does, the model's digest and network compiled each time
 * @param preparedVerifier the same checks by a {@code Verifier.Prepared} made once for the model (digest and network
 *                       done once): what a client checking many batches of one model pays per batch, decoding included
 * @param proofBytes     encoded proof size, or -1 where there is no proof
 */
public record HostRow(String workload, int batch, Timings floatInference, Timings verifier, Timings preparedVerifier, long proofBytes,
                      String note) {
    public static HostRow skipped(String workload, int batch, String note) {
        return new HostRow(workload, batch, null, null, null, -1, note);
    }

    public boolean measured() {
        return floatInference != null;
    }

    /** How much cheaper checking the proof is than running the network in floats yourself. */
    public double floatOverVerifier() {
        return Row.ratio(floatInference, verifier);
    }
}
