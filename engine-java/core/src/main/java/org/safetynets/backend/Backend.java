package org.safetynets.backend;

import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;

import java.util.OptionalLong;

/**
 * The kernels the prover needs, over field tensors resident on the backend. Protocol code never knows which
 * backend runs it: every implementation computes exactly the same field elements (the arithmetic is exact, so
 * the order of a reduction does not matter), which is why proofs are byte-identical across backends.
 *
 * <p>Matrices are row-major. Tensors in a {@link Layout} are features x batch matrices. Unless stated otherwise,
 * an operation returns a new tensor that the caller owns. Backends never sample challenges or serialise proofs.
 */
public interface Backend extends AutoCloseable {
    /** The name it is chosen by ("cpu", "opencl", "cuda"). */
    String name();

    /** One line for users: device, threads. */
    String description();

    DeviceTensor upload(long[] values);

    long[] download(DeviceTensor tensor);

    /** One element, for the single value left after a table is folded down. */
    long get(DeviceTensor tensor, int index);

    // ---- inference ---------------------------------------------------------------------------------------

    /** C = A * B mod p, A rows x inner, B inner x cols. */
    DeviceTensor matmul(DeviceTensor a, DeviceTensor b, int rows, int inner, int cols);

    /** Convolution without bias; {@code kernel} is the padded Cop x (Cip*kp*kp) matrix of {@link ConvGeometry}. */
    DeviceTensor conv2d(DeviceTensor kernel, DeviceTensor input, ConvGeometry geometry);

    /**
     * In place: adds bias[c] to every real position (h < H, w < W, b < batch) of channel c, so padding stays
     * zero. {@code bias} has one canonical element per padded channel.
     */
    void addBias(DeviceTensor tensor, long[] bias, Layout layout);

    /** Elementwise x*x. */
    DeviceTensor square(DeviceTensor input);

    DeviceTensor sumPool(DeviceTensor input, PoolGeometry geometry);

    /**
     * sumPool(square(input)): the x^2 -> pool pattern's forward step. A backend may fuse it, so that the squared
     * tensor (as large as the input) never exists; the default squares, then pools.
     */
    default DeviceTensor squareThenSumPool(DeviceTensor input, PoolGeometry geometry) {
        try (DeviceTensor squared = square(input)) {
            return sumPool(squared, geometry);
        }
    }

    // ---- storage -----------------------------------------------------------------------------------------

    /**
     * A hint that every element of {@code tensor} embeds a signed integer of magnitude at most {@code magnitude}
     * (the no-overflow analysis proves such a bound for every activation): the backend may store it in fewer bytes
     * until it is next used, as a byte, short or int per element instead of an 8-byte field element. Every operation
     * then reads exactly the same field elements. Returns the tensor to use from now on; the default keeps it as it
     * is. The prover compacts each activation once the forward pass has no further use for it.
     *
     * @throws IllegalArgumentException if an element is not within the bound (the caller's bound was wrong)
     */
    default DeviceTensor compact(DeviceTensor tensor, long magnitude) {
        return tensor;
    }

    // ---- proving -----------------------------------------------------------------------------------------

    /** eq(point, x) for every x in {0,1}^k (see {@code Multilinear.eqTable}): the product table with eq weights. */
    default DeviceTensor eqTable(long[] point) {
        long[] zero = new long[point.length];
        for (int j = 0; j < point.length; j++) zero[j] = Fp.sub(1, point[j]);
        return productTable(zero, point);
    }

    /**
     * The product table E[x] = prod_j (x_j ? oneWeights[j] : zeroWeights[j]) over {0,1}^k. eq(r, .) is the case
     * zero = 1 - r, one = r; a variable that is summed over (a pool's window offset) has zero = one = 1.
     */
    DeviceTensor productTable(long[] zeroWeights, long[] oneWeights);

    /** weights^T * M: the vector of length cols with entry j = sum_i weights[i] * M[i, j]. */
    DeviceTensor rowCombination(DeviceTensor weights, DeviceTensor matrix, int rows, int cols);

    /** M * weights: the vector of length rows with entry i = sum_j M[i, j] * weights[j]. */
    DeviceTensor columnCombination(DeviceTensor matrix, DeviceTensor weights, int rows, int cols);

    /**
     * One sum-check round: for t = 0..degree, sum over i < half of prod_f (T_f[i] + t*(T_f[i+half] - T_f[i])),
     * where the product runs over {@code factors} (indices into {@code tables}; a table may appear twice, as
     * A in eq*A*A). The tables hold 2*half live entries.
     */
    long[] roundEvaluations(DeviceTensor[] tables, int[] factors, int half, int degree);

    /** In place: T[i] = T[i] + r*(T[i+half] - T[i]) for i < half (binds the highest live variable to r). */
    void fold(DeviceTensor table, int half, long r);

    /**
     * For the sum-pool sub-protocol: for each window offset (oh, ow), at index oh*s + ow,
     * sum over output positions y of eqOut[y] * input[embed(y, oh, ow)], where eqOut is a table over the
     * pool's output layout and embed places the offset in the low bits of the input row and column.
     */
    long[] poolOffsetSums(DeviceTensor input, DeviceTensor eqOut, PoolGeometry geometry);

    /**
     * For the conv sub-protocol: u[(ci*kp + kh)*kp + kw] = sum over real output positions (oh, ow) of
     * eqRows[oh] * eqCols[ow] * x[ci, oh*stride + kh - pad, ow*stride + kw - pad], for kh, kw < k and in-range
     * input coordinates; x is one value per padded input feature (the input with its batch already combined).
     */
    DeviceTensor convPatchSums(DeviceTensor x, long[] eqRows, long[] eqCols, ConvGeometry geometry);

    // ---- F_p^2: the verifier's challenges, and every table they touch ------------------------------------------
    // Defaults built from the base-field kernels above (see ExtensionKernels); a backend may fuse them. Tables of
    // witness values stay in F_p: an ExtTensor without an imaginary part costs nothing extra.

    default ExtTensor upload(long[] re, long[] im) {
        return ExtensionKernels.upload(this, re, im);
    }

    default Fp2 get(ExtTensor tensor, int index) {
        return ExtensionKernels.get(this, tensor, index);
    }

    /** eq(point, x) for every x in {0,1}^k over F_p^2. */
    default ExtTensor eqTable(Fp2[] point) {
        Fp2[] zero = new Fp2[point.length];
        for (int j = 0; j < point.length; j++) zero[j] = Fp2.ONE.sub(point[j]);
        return productTable(zero, point);
    }

    /** {@link #productTable(long[], long[])} over F_p^2. */
    default ExtTensor productTable(Fp2[] zeroWeights, Fp2[] oneWeights) {
        return ExtensionKernels.productTable(this, zeroWeights, oneWeights);
    }

    /**
     * {@link #fold(DeviceTensor, int, long)} by an F_p^2 challenge. Returns the folded table: the argument itself
     * when folded in place, else a new table (the argument is then left as it was, for its owner to close).
     */
    default ExtTensor fold(ExtTensor table, int half, Fp2 r) {
        return ExtensionKernels.fold(this, table, half, r);
    }

    /** {@link #roundEvaluations(DeviceTensor[], int[], int, int)} over F_p^2 tables. */
    default Fp2[] roundEvaluations(ExtTensor[] tables, int[] factors, int half, int degree) {
        return ExtensionKernels.roundEvaluations(this, tables, factors, half, degree);
    }

    default ExtTensor rowCombination(ExtTensor weights, ExtTensor matrix, int rows, int cols) {
        return ExtensionKernels.rowCombination(this, weights, matrix, rows, cols);
    }

    default ExtTensor columnCombination(ExtTensor matrix, ExtTensor weights, int rows, int cols) {
        return ExtensionKernels.columnCombination(this, matrix, weights, rows, cols);
    }

    default Fp2[] poolOffsetSums(DeviceTensor input, ExtTensor eqOut, PoolGeometry geometry) {
        return ExtensionKernels.poolOffsetSums(this, input, eqOut, geometry);
    }

    default ExtTensor convPatchSums(ExtTensor x, Fp2[] eqRows, Fp2[] eqCols, ConvGeometry geometry) {
        return ExtensionKernels.convPatchSums(this, x, eqRows, eqCols, geometry);
    }

    /**
     * The x^2 sum-check's rounds over {@code values} with the product weight given. {@code values} stays the
     * caller's to close; an implementation may fold it in place (the prover has no further use for it).
     */
    default SquareRounds squareRounds(Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
        return new GenericSquareRounds(this, zeroWeights, oneWeights, values);
    }

    // ---- completion ---------------------------------------------------------------------------------------

    /**
     * Returns once every operation called so far has completed. A device backend may return from an operation as
     * soon as its kernels are queued (a tensor-returning call such as {@link #matmul} then runs on after it
     * returns); anything that hands values to the host ({@link #download}, {@link #get}, the reductions) waits for
     * the work it depends on anyway. Timing code calls this before it stops the clock. Backends that compute on
     * the calling thread are always complete: for them it does nothing.
     */
    default void synchronize() {
    }

    // ---- accounting ---------------------------------------------------------------------------------------

    /**
     * The most bytes of device memory this backend's tensors held at once since {@link #resetDevicePeak()} (or
     * since it opened), for backends that keep tensors outside the Java heap (a GPU, an OpenCL device). Empty for
     * backends whose tensors are Java arrays: a heap measurement already sees those.
     */
    default OptionalLong devicePeakBytes() {
        return OptionalLong.empty();
    }

    /** Starts a new {@link #devicePeakBytes()} window at the memory held now. */
    default void resetDevicePeak() {
    }

    /** Frees the backend's threads and device; reports tensors still open. */
    @Override
    void close();
}
