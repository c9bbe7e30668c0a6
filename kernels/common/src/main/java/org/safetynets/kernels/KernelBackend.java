package org.safetynets.kernels;

import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.field.LimbPlan;
import org.safetynets.poly.Multilinear;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The prover's kernels on a device, driven from the host the same way whatever the device API: the kernels are the
 * shared sources in kernels/src/device (compiled by the OpenCL backend at run time, by nvcc for the CUDA backend),
 * and this class holds everything the host does around them: argument checks, launch sizes, the choice between the
 * signed and the 128-bit product paths, the second stage of every reduction (on the device, so only results cross
 * the bus), tensor ownership, transfer counters and leak reports. A device backend supplies the few primitives
 * below (allocate, free, copy each way, launch), its name and its description.
 *
 * <p>Tensors live in device buffers from upload to close, across layers and sub-protocols; what crosses the bus is the
 * input batch and the model's parameters as the protocol uploads them, the outputs, and the few field elements each
 * reduction returns (round messages, claimed values), plus the challenges and challenge-derived weights sent down.
 * Every such transfer is counted ({@link #bytesToDevice()}, {@link #bytesFromDevice()}).
 *
 * <p>The arithmetic is exact in F_p, so each kernel returns exactly the CPU backend's elements whatever the order of
 * its reductions. The primitives must keep program order: a kernel sees every earlier copy and kernel, and a copy
 * from the device sees every earlier kernel (one in-order queue or stream). Public operations are synchronized:
 * the scratch buffers (and OpenCL's kernel arguments) are shared state.
 *
 * @param <B> the device API's buffer handle ({@code cl_mem}, {@code CUdeviceptr})
 */
public abstract class KernelBackend<B> implements Backend {
    /** Work-items per group in the reduction kernels (SN_GROUP in device/reduce.h). */
    public static final int GROUP = 64;
    /** The matrix product's tile edge (SN_TILE in device/inference.h). */
    public static final int TILE = 16;
    /** Round points per launch of the round kernels (SN_MAX_POINTS in device/sumcheck.h). */
    public static final int MAX_POINTS = 8;
    public static final int MAX_SLOTS = 4;
    public static final int MAX_FACTORS = 8;
    /** Round points per launch of round_ext (SN_MAX_EXT_POINTS): a degree-3 round in one launch. */
    public static final int MAX_EXT_POINTS = 4;
    /** Window offsets per launch of pool_offset_sums. */
    public static final int MAX_OFFSETS = 16;
    /**
     * M*eq runs one work-item per row when rows are narrow or many (enough work-items without splitting a row),
     * else one work-group per row, which parallelises long rows at the price of a group reduction each.
     */
    static final int NARROW_COLUMNS = 16;
    static final int ROWS_PER_ITEM_FROM = 1024;
    /** Work-items per group in the elementwise kernels. */
    public static final int ELEMENTWISE_GROUP = 256;
    /** Work-items row_combination aims for: tall matrices are cut into row slices until there are this many. */
    static final int ROW_COMBINATION_ITEMS = 4096;

    /** The entry points this class launches on every device, as the kernel sources name them. */
    public static final List<String> KERNELS = List.of("reduce_sums", "reduce_max", "max_magnitude", "matmul",
            "matmul_signed", "conv2d", "conv2d_signed", "add_bias", "square", "sum_pool", "product_table_part",
            "outer_product", "fold", "row_combination", "sum_slices", "column_combination", "column_combination_narrow",
            "round_general", "round_pair", "pool_offset_sums", "conv_patch_sums", "product_table_part_ext",
            "outer_product_ext", "fold_ext", "fold_base_ext", "round_ext", "square_sums", "conv_patch_sums_ext",
            "ext_from_products");
    /**
     * The limb-method products (fp64 fma on the activations' limbs, device/inference.h), compiled and launched only
     * where the device has 64-bit floating point: see {@link #limbKernelsUnavailable()}.
     */
    public static final List<String> LIMB_KERNELS = List.of("matmul_limb", "conv2d_limb");
    /** conv2d_limb over 8 batch entries in double8 (vector.cl): where vector kernels and limb kernels are both used. */
    public static final String VECTOR_LIMB_CONVOLUTION = "conv2d_limb8";
    /** Every entry point of the shared sources (kernels/src/device) on a device with fp64: what CUDA loads. */
    public static final List<String> SHARED_KERNELS = concat(KERNELS, LIMB_KERNELS);
    /** Output channels per work-item of conv2d_limb (SN_LIMB_ROWS in device/inference.h). */
    public static final int LIMB_ROWS = 4;
    /** conv2d_signed over 8 batch entries in OpenCL's long8 (kernels/src/opencl/vector.cl): only where asked for. */
    public static final String VECTOR_CONVOLUTION = "conv2d_signed8";
    /** square_sums over 8 pairs per work-item in ulong8 with 32-bit limb products (vector.cl): only where asked for. */
    public static final String VECTOR_SQUARE_SUMS = "square_sums8";
    /** M eq over 8 columns at a time in ulong8, both parts of F_p^2 weights in one pass (vector.cl): only where asked for. */
    public static final String VECTOR_COLUMN_COMBINATION = "column_combination8";
    /** sum_pool over 8 batch entries per work-item in ulong8 (vector.cl): only where asked for. */
    public static final String VECTOR_SUM_POOL = "sum_pool8";
    /** The kernels of kernels/src/opencl/vector.cl, launched only by a backend that asks for vector kernels. */
    public static final List<String> VECTOR_KERNELS = List.of(VECTOR_CONVOLUTION, VECTOR_SQUARE_SUMS, VECTOR_COLUMN_COMBINATION,
            VECTOR_SUM_POOL);

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return List.copyOf(all);
    }

    /** Groups a reduction launches: enough to fill every compute unit several times over. */
    private final int reductionGroups;
    private final boolean vectorKernels;
    /** Why the {@link #LIMB_KERNELS} are not used here, or null when they are. */
    private final String limbUnavailable;
    /** Products (matmul and conv2d calls) run by the limb kernels since the backend opened. */
    private long limbProducts;
    // Insertion order, so that a leak report frees tensors in the order they were made.
    private final Set<Tensor> open = new LinkedHashSet<>();
    private long toDevice;
    private long fromDevice;
    /** Device bytes held now by tensors and scratch buffers, and the most held since the window began. */
    private long resident;
    private long peak;
    // Scratch buffers, grown and never shrunk, so that sum-check rounds allocate nothing.
    private final Scratch partials = new Scratch("reduction partials");
    private final Scratch results = new Scratch("reduction results");
    private final Scratch first = new Scratch("parameters");
    private final Scratch second = new Scratch("parameters");
    private final Scratch geometry = new Scratch("geometry");
    private final Scratch lowTable = new Scratch("product table (low variables)");
    private final Scratch highTable = new Scratch("product table (high variables)");
    private boolean closed;

    /**
     * @param computeUnits the device's compute units (OpenCL) or streaming multiprocessors (CUDA): reductions launch
     *                     16 groups per unit, between 16 and 1024 in all
     * @param vectorKernels whether the {@link #VECTOR_KERNELS} may be used: the signed convolution when the padded
     *                      batch is a multiple of 8, the x^2 sum-check's sums when its blocks hold 8 pairs or more,
     *                      M eq when the row-per-work-item kernel serves and the columns are a multiple of 8, sum
     *                      pooling when the padded batch is a multiple of 8; with the limb kernels, conv2d_limb8
     *                      for convolutions of such batches and products of such columns
     * @param limbUnavailable why the {@link #LIMB_KERNELS} may not be used (the device has no fp64, or a test turns
     *                        them off), or null to use them wherever {@link LimbPlan} allows
     */
    protected KernelBackend(int computeUnits, boolean vectorKernels, String limbUnavailable) {
        this.reductionGroups = Math.min(1024, Math.max(16, 16 * computeUnits));
        this.vectorKernels = vectorKernels;
        this.limbUnavailable = limbUnavailable;
    }

    /**
     * Whether a limb plan's product whose columns are not a multiple of 8 runs on the tiled matmul_limb, given the
     * signed path's tiles between reductions (0: no signed path). Everywhere on a GPU; on a CPU device (vector kernels)
     * only in place of the 128-bit product: on POCL here the tiled matmul_limb matched or beat the 128-bit product
     * (e.g. 16x256x2: 178 against 187 us) but lost to matmul_signed (95 against 70 us; kernels/README.md).
     */
    boolean tiledLimbProduct(long tilesPerReduce) {
        return !vectorKernels || tilesPerReduce < 1;
    }

    /** Why the limb-method products are not used on this backend, or null when they are wherever the data allow. */
    public String limbKernelsUnavailable() {
        return limbUnavailable;
    }

    /** How many matrix products and convolutions ran on the limb kernels since this backend opened. */
    public synchronized long limbProducts() {
        return limbProducts;
    }

    /**
     * The limb plan for a product of small weights (max |signed| maxW) with activations (maxX) over {@code terms}
     * terms where this backend uses the limb kernels, else null.
     */
    private LimbPlan limbPlan(long maxW, long maxX, long terms) {
        return limbUnavailable == null ? LimbPlan.of(maxW, maxX, terms) : null;
    }

    // ---- what a device API supplies ----------------------------------------------------------------------

    /** A buffer of {@code bytes} (at least 8), or a {@link DeviceOutOfMemory} naming {@code what}. */
    protected abstract B allocate(long bytes, String what);

    /** Frees a buffer from {@link #allocate}, after every queued kernel that may use it. */
    protected abstract void free(B memory);

    /** Copies {@code values} (not empty) to the start of {@code memory}, ordered after every earlier launch. */
    protected abstract void copyToDevice(B memory, long[] values);

    protected abstract void copyToDevice(B memory, int[] values);

    /** Fills {@code into} (not empty) from {@code memory} at element {@code offset}, after every earlier launch. */
    protected abstract void copyFromDevice(B memory, long offset, long[] into);

    /** Queues one kernel; arguments in the kernel's parameter order. */
    protected abstract void launch(String kernel, List<KernelArg<B>> args, WorkShape shape);

    /** Waits until every copy and kernel queued so far has completed (clFinish, cuStreamSynchronize). */
    protected abstract void finish();

    /** Releases what the device API holds (queue or stream, kernels or module, context) once every buffer is freed. */
    protected abstract void releaseDevice();

    // ---- tensors -----------------------------------------------------------------------------------------

    /** A device buffer owned by one backend; at least one element is allocated so that every kernel gets a buffer. */
    private final class Tensor implements DeviceTensor {
        private final int length;
        private final long bytes;
        private B memory;
        /** max |signed(x)| over the entries when known (the signed product path needs it), else -1. In-place writes reset it. */
        private long maxMagnitude = -1;

        Tensor(int length, String what) {
            this.length = length;
            this.bytes = Math.max(1, length) * 8L;
            this.memory = allocateCounted(bytes, what);
            open.add(this);
        }

        B memory() {
            B m = memory;
            if (m == null) throw new IllegalStateException("tensor used after close");
            return m;
        }

        KernelBackend<B> owner() {
            return KernelBackend.this;
        }

        @Override
        public int length() {
            memory();
            return length;
        }

        @Override
        public void close() {
            synchronized (KernelBackend.this) {
                if (memory != null) {
                    B m = memory;
                    memory = null;
                    open.remove(this);
                    freeCounted(m, bytes);
                }
            }
        }
    }

    private Tensor tensor(DeviceTensor t) {
        if (!(t instanceof KernelBackend<?>.Tensor c) || c.owner() != this) {
            throw new IllegalArgumentException("tensor does not belong to this " + name() + " backend");
        }
        @SuppressWarnings("unchecked") Tensor mine = (Tensor) c;
        mine.memory();
        return mine;
    }

    private Tensor tensor(DeviceTensor t, long minLength, String what) {
        Tensor c = tensor(t);
        if (c.length < minLength) throw new IllegalArgumentException(what + " has " + c.length + " elements, needs at least " + minLength);
        return c;
    }

    private Tensor newTensor(int length, String what) {
        ensureOpen();
        return new Tensor(length, what);
    }

    private B allocateCounted(long bytes, String what) {
        B memory = allocate(bytes, what);
        resident += bytes;
        peak = Math.max(peak, resident);
        return memory;
    }

    private void freeCounted(B memory, long bytes) {
        resident -= bytes;
        free(memory);
    }

    /** A device buffer reused across calls, grown to the largest request. Owned by the backend, freed on close. */
    private final class Scratch {
        private final String what;
        private B memory;
        private long capacity;

        Scratch(String what) {
            this.what = what;
        }

        B ensure(long elements, int elementBytes) {
            long bytes = Math.max(1, elements) * elementBytes;
            if (bytes > capacity) {
                release();
                memory = allocateCounted(Math.max(8, bytes), what);
                capacity = bytes;
            }
            return memory;
        }

        /** Copies {@code values} into the buffer (counted as sent to the device). */
        B put(long[] values) {
            B m = ensure(values.length, 8);
            write(m, values);
            return m;
        }

        B put(int[] values) {
            B m = ensure(values.length, 4);
            if (values.length > 0) {
                copyToDevice(m, values);
                toDevice += values.length * 4L;
            }
            return m;
        }

        void release() {
            if (memory != null) {
                B m = memory;
                memory = null;
                freeCounted(m, Math.max(8, capacity));
                capacity = 0;
            }
        }
    }

    private void write(B memory, long[] values) {
        if (values.length == 0) return;
        copyToDevice(memory, values);
        toDevice += values.length * 8L;
    }

    private long[] read(B memory, long offset, int count) {
        long[] out = new long[count];
        if (count == 0) return out;
        copyFromDevice(memory, offset, out);
        fromDevice += count * 8L;
        return out;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(name() + " backend is closed");
    }

    /** Tensors created and not yet closed. */
    public synchronized int openTensors() {
        return open.size();
    }

    /** Bytes copied from the host to the device since the backend was opened (tensors, parameters, challenges). */
    public synchronized long bytesToDevice() {
        return toDevice;
    }

    /** Bytes copied from the device to the host since the backend was opened (downloads, round messages, values). */
    public synchronized long bytesFromDevice() {
        return fromDevice;
    }

    /** Device bytes the open tensors hold: what a launch that fails for memory had to work with. */
    protected synchronized long residentTensorBytes() {
        long total = 0;
        for (Tensor t : open) total += t.bytes;
        return total;
    }

    /** The most device memory held at once by tensors and scratch buffers. */
    @Override
    public synchronized OptionalLong devicePeakBytes() {
        return OptionalLong.of(peak);
    }

    @Override
    public synchronized void resetDevicePeak() {
        peak = resident;
    }

    // ---- kernel launches ---------------------------------------------------------------------------------

    /** One launch: arguments in the kernel's order, then the work size. */
    private final class Launch {
        private final String name;
        private final List<KernelArg<B>> args = new ArrayList<>();

        Launch(String name) {
            this.name = name;
        }

        Launch mem(B memory) {
            args.add(new KernelArg.Buffer<>(memory));
            return this;
        }

        Launch mem(Tensor t) {
            return mem(t.memory());
        }

        Launch u32(long value) {
            if (value < 0 || value > 0xFFFF_FFFFL) throw new IllegalArgumentException(name + ": argument " + value + " is out of range");
            args.add(new KernelArg.U32<>((int) value));
            return this;
        }

        Launch u64(long value) {
            args.add(new KernelArg.U64<>(value));
            return this;
        }

        /** {@code items} work-items in groups of {@code group} (rounded up to whole groups; kernels guard). */
        void run(long items, int group) {
            if (items == 0) return;
            launch(name, List.copyOf(args), WorkShape.cover(items, group));
        }

        void run2d(long items0, long items1, int group0, int group1) {
            if (items0 == 0 || items1 == 0) return;
            launch(name, List.copyOf(args), WorkShape.cover2d(items0, items1, group0, group1));
        }

        /** Work-groups of {@code group0} x 1 x 1; {@code items0} must be a multiple of {@code group0}. */
        void run3d(long items0, long items1, long items2, int group0) {
            if (items0 == 0 || items1 == 0 || items2 == 0) return;
            launch(name, List.copyOf(args), WorkShape.exact3d(items0, items1, items2, group0));
        }
    }

    /** Groups a reduction over {@code items} indices runs: each work-item strides over its share. */
    private int reductionGroups(long items) {
        return (int) Math.max(1, Math.min(reductionGroups, (items + GROUP - 1) / GROUP));
    }

    /**
     * Runs a partial-sum kernel over {@code items} indices ({@code launch} holds every argument but the partials
     * buffer, which comes last), adds the groups' partials on the device and returns the {@code width} sums.
     */
    private long[] reduce(Launch launch, long items, int width) {
        int groups = reductionGroups(items);
        B partial = partials.ensure((long) groups * width, 8);
        launch.mem(partial).run((long) groups * GROUP, GROUP);
        if (groups == 1) return read(partial, 0, width); // one group's canonical partials are the sums: no second launch
        B result = results.ensure(width, 8);
        // reduce_sums runs as a single group: every group's partial is read by one of its GROUP work-items.
        new Launch("reduce_sums").mem(partial).u32(groups).u32(width).mem(result).run(GROUP, GROUP);
        return read(result, 0, width);
    }

    /** max |signed(x)| over the first n entries, cached on the tensor (when n covers it) until an in-place write. */
    private long maxMagnitude(Tensor t, int n) {
        if (t.maxMagnitude >= 0) return t.maxMagnitude;
        if (n == 0) return 0;
        int groups = reductionGroups(n);
        B partial = partials.ensure(groups, 8);
        new Launch("max_magnitude").mem(t).u32(n).mem(partial).run((long) groups * GROUP, GROUP);
        B result = results.ensure(1, 8);
        new Launch("reduce_max").mem(partial).u32(groups).mem(result).run(GROUP, GROUP);
        long max = read(result, 0, 1)[0];
        if (n == t.length) t.maxMagnitude = max;
        return max;
    }

    /** Waits for the device: launches return once queued, so a timer must call this before it stops. */
    @Override
    public synchronized void synchronize() {
        ensureOpen();
        finish();
    }

    // ---- Backend: storage --------------------------------------------------------------------------------

    @Override
    public synchronized DeviceTensor upload(long[] values) {
        long max = 0;
        for (int i = 0; i < values.length; i++) {
            if (!Fp.isCanonical(values[i])) {
                throw new IllegalArgumentException("element " + i + " is " + values[i] + ", not a canonical field element");
            }
            max = Math.max(max, SignedPath.magnitude(values[i]));
        }
        Tensor t = newTensor(values.length, "an uploaded tensor of " + values.length + " elements");
        try {
            write(t.memory(), values);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        t.maxMagnitude = max;
        return t;
    }

    @Override
    public synchronized long[] download(DeviceTensor tensor) {
        Tensor t = tensor(tensor);
        return read(t.memory(), 0, t.length);
    }

    @Override
    public synchronized long get(DeviceTensor tensor, int index) {
        Tensor t = tensor(tensor);
        if (index < 0 || index >= t.length) throw new IndexOutOfBoundsException("index " + index + " of a tensor of " + t.length);
        return read(t.memory(), index, 1)[0];
    }

    // ---- Backend: inference ------------------------------------------------------------------------------

    @Override
    public synchronized DeviceTensor matmul(DeviceTensor a, DeviceTensor b, int rows, int inner, int cols) {
        if (rows < 0 || inner < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        Tensor x = tensor(a, (long) rows * inner, "matmul A");
        Tensor y = tensor(b, (long) inner * cols, "matmul B");
        Tensor c = newTensor(Math.multiplyExact(rows, cols), "matmul output C (" + rows + " x " + cols + ")");
        try {
            if (rows == 0 || cols == 0) return c;
            long tilesPerReduce = 0;
            LimbPlan plan = null;
            if (inner > 0) {
                long maxA = maxMagnitude(x, rows * inner);
                long maxB = maxA == 0 ? 0 : maxMagnitude(y, inner * cols);
                tilesPerReduce = SignedPath.termsPerReduce(maxA, maxB) / TILE;
                plan = limbPlan(maxA, maxB, inner);
            }
            // One TILE x TILE group per output tile: dimension 0 runs along columns, 1 along rows.
            long groups0 = (cols + TILE - 1) / TILE;
            long groups1 = (rows + TILE - 1) / TILE;
            if (plan != null && vectorKernels && cols % 8 == 0) {
                // A as the kernel of a 1 x 1 convolution (rows output channels, inner input channels) over B as its
                // input (inner channels of one position, a batch of cols): conv2d_limb8's indexing, channel-major with
                // the batch innermost, is then exactly C = A*B (row-major), 8 columns per work-item, 4 rows.
                long items = cols / 8;
                new Launch(VECTOR_LIMB_CONVOLUTION).mem(x).mem(y).mem(c).u32(inner).u32(1).u32(1).u32(1).u32(1).u32(rows)
                        .u32(1).u32(1).u32(1).u32(1).u32(1).u32(1).u32(0).u32(inner).u32(rows).u32(plan.limbs())
                        .u64(plan.block()).run3d(items, 1, (rows + LIMB_ROWS - 1) / LIMB_ROWS,
                                (int) Math.min(Long.lowestOneBit(items), GROUP));
                limbProducts++;
            } else if (plan != null && tiledLimbProduct(tilesPerReduce)) {
                // A block of at least min(inner, 16) terms: whole tiles, or one tile holding all of inner.
                long tilesPerBlock = Math.max(1, Math.min(plan.block() / TILE, Integer.MAX_VALUE));
                new Launch("matmul_limb").mem(x).mem(y).mem(c).u32(rows).u32(inner).u32(cols).u32(plan.limbs())
                        .u32(tilesPerBlock).run2d(groups0 * TILE, groups1 * TILE, TILE, TILE);
                limbProducts++;
            } else if (tilesPerReduce >= 1) {
                // Every |product| of signed representatives is at most maxA*maxB: a tile's 16 terms at a time fit.
                new Launch("matmul_signed").mem(x).mem(y).mem(c).u32(rows).u32(inner).u32(cols)
                        .u32(Math.min(tilesPerReduce, Integer.MAX_VALUE)).run2d(groups0 * TILE, groups1 * TILE, TILE, TILE);
            } else {
                new Launch("matmul").mem(x).mem(y).mem(c).u32(rows).u32(inner).u32(cols).run2d(groups0 * TILE, groups1 * TILE, TILE, TILE);
            }
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The geometry array the conv kernels read (CG_* in device/inference.h). */
    static int[] convGeometry(ConvGeometry g) {
        Shape in = g.input().shape();
        Shape out = g.output().shape();
        return new int[] {in.channels(), in.height(), in.width(), in.paddedHeight(), in.paddedWidth(), g.outChannels(),
            g.outputHeight(), g.outputWidth(), out.paddedHeight(), out.paddedWidth(), g.kernel(), g.paddedKernel(),
            g.stride(), g.padding(), g.input().paddedBatch(), g.kernelColumns()};
    }

    @Override
    public synchronized DeviceTensor conv2d(DeviceTensor kernel, DeviceTensor input, ConvGeometry g) {
        int kernelEntries = g.outChannels() * g.kernelColumns();
        Tensor k = tensor(kernel, kernelEntries, "conv kernel");
        Tensor x = tensor(input, g.input().size(), "conv input");
        Layout out = g.output();
        Tensor y = newTensor(out.size(), "conv output (" + out.shape() + " x batch " + out.batch() + ")");
        try {
            long taps = (long) g.input().shape().channels() * g.kernel() * g.kernel();
            long maxK = maxMagnitude(k, kernelEntries);
            long maxX = maxK == 0 ? 0 : maxMagnitude(x, g.input().size());
            long chunk = SignedPath.termsPerReduce(maxK, maxX);
            Shape in = g.input().shape();
            Shape os = out.shape();
            int bp = g.input().paddedBatch();
            LimbPlan plan = limbPlan(maxK, maxX, taps);
            boolean limb = plan != null && plan.block() >= g.kernel();
            boolean signed = !limb && SignedPath.useSigned(chunk, taps) && chunk >= g.kernel();
            boolean vector = vectorKernels && (limb || signed) && bp % 8 == 0;
            String kernelName = limb ? (vector ? VECTOR_LIMB_CONVOLUTION : "conv2d_limb") : vector ? VECTOR_CONVOLUTION
                    : signed ? "conv2d_signed" : "conv2d";
            Launch launch = new Launch(kernelName).mem(k).mem(x).mem(y).u32(in.channels()).u32(in.height())
                    .u32(in.width()).u32(in.paddedHeight()).u32(in.paddedWidth()).u32(g.outChannels()).u32(g.outputHeight())
                    .u32(g.outputWidth()).u32(os.paddedWidth()).u32(g.kernel()).u32(g.paddedKernel()).u32(g.stride())
                    .u32(g.padding()).u32(g.kernelColumns());
            // (b, output position, output channels): a work-group shares one (co, oh, ow), see device/inference.h;
            // conv2d_limb's work-items take LIMB_ROWS output channels each.
            long channelItems = os.paddedChannels();
            if (limb) {
                launch.u32(os.paddedChannels()).u32(plan.limbs()).u64(plan.block());
                channelItems = (os.paddedChannels() + LIMB_ROWS - 1) / LIMB_ROWS;
            } else if (signed) {
                launch.u64(chunk);
            }
            int items = vector ? bp / 8 : bp;
            // bp is a power of two, so min(items, GROUP) divides it: the kernels read the padded batch off the launch.
            launch.run3d(items, (long) os.paddedHeight() * os.paddedWidth(), channelItems, Math.min(items, GROUP));
            if (limb) limbProducts++;
            return y;
        } catch (RuntimeException e) {
            y.close();
            throw e;
        }
    }

    @Override
    public synchronized void addBias(DeviceTensor tensor, long[] bias, Layout layout) {
        Tensor y = tensor(tensor, layout.size(), "biased tensor");
        Shape s = layout.shape();
        if (bias.length < s.channels()) throw new IllegalArgumentException("bias has " + bias.length + " entries for " + s.channels() + " channels");
        long[] used = Arrays.copyOf(bias, s.channels());
        for (long beta : used) requireCanonical(beta, "bias");
        int padded = layout.size();
        new Launch("add_bias").mem(y).mem(first.put(used)).u32(s.channels()).u32(s.height()).u32(s.width()).u32(layout.batch())
                .u32(Multilinear.log2(s.paddedHeight())).u32(Multilinear.log2(s.paddedWidth()))
                .u32(Multilinear.log2(layout.paddedBatch())).u32(padded).run(padded, ELEMENTWISE_GROUP);
        y.maxMagnitude = -1;
    }

    @Override
    public synchronized DeviceTensor square(DeviceTensor input) {
        Tensor x = tensor(input);
        Tensor y = newTensor(x.length, "square output (" + x.length + " elements)");
        new Launch("square").mem(x).mem(y).u32(x.length).run(x.length, ELEMENTWISE_GROUP);
        return y;
    }

    @Override
    public synchronized DeviceTensor sumPool(DeviceTensor input, PoolGeometry g) {
        return sumPool(input, g, false);
    }

    /** One pass: the squares are pooled as they are read, never stored as a tensor of their own. */
    @Override
    public synchronized DeviceTensor squareThenSumPool(DeviceTensor input, PoolGeometry g) {
        return sumPool(input, g, true);
    }

    private DeviceTensor sumPool(DeviceTensor input, PoolGeometry g, boolean squared) {
        Layout in = g.input();
        Layout out = g.output();
        Tensor x = tensor(input, in.size(), "pool input");
        Tensor y = newTensor(out.size(), "pool output (" + out.shape() + " x batch " + out.batch() + ")");
        int s = g.window();
        // The output's padded extent is the input's divided by the window (powers of two, window <= extent).
        boolean vector = vectorKernels && in.paddedBatch() % 8 == 0;
        new Launch(vector ? VECTOR_SUM_POOL : "sum_pool").mem(x).mem(y).u32(Multilinear.log2(s)).u32(Multilinear.log2(in.shape().paddedHeight() / s))
                .u32(Multilinear.log2(in.shape().paddedWidth() / s)).u32(Multilinear.log2(in.paddedBatch())).u32(out.size())
                .u32(squared ? 1 : 0).run(vector ? out.size() / 8 : out.size(), ELEMENTWISE_GROUP);
        return y;
    }

    // ---- Backend: proving --------------------------------------------------------------------------------

    @Override
    public synchronized DeviceTensor productTable(long[] zeroWeights, long[] oneWeights) {
        if (zeroWeights.length != oneWeights.length) throw new IllegalArgumentException("weights of different lengths");
        int k = zeroWeights.length;
        if (k > 30) throw new IllegalArgumentException("product table over " + k + " variables is too large");
        for (int j = 0; j < k; j++) {
            requireCanonical(zeroWeights[j], "product-table weight");
            requireCanonical(oneWeights[j], "product-table weight");
        }
        // E[x] = E_high[x >> l] * E_low[x mod 2^l]: two tables of about 2^(k/2) entries, then one multiply per entry.
        int l = k / 2;
        B zero = first.put(zeroWeights);
        B one = second.put(oneWeights);
        B low = lowTable.ensure(1L << l, 8);
        B high = highTable.ensure(1L << (k - l), 8);
        new Launch("product_table_part").mem(zero).mem(one).u32(0).u32(l).mem(low).run(1L << l, GROUP);
        new Launch("product_table_part").mem(zero).mem(one).u32(l).u32(k - l).mem(high).run(1L << (k - l), GROUP);
        Tensor table = newTensor(1 << k, "product table over " + k + " variables");
        new Launch("outer_product").mem(high).mem(low).u32(l).mem(table).u32(1L << k).run(1L << k, ELEMENTWISE_GROUP);
        return table;
    }

    @Override
    public synchronized DeviceTensor rowCombination(DeviceTensor weights, DeviceTensor matrix, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        Tensor e = tensor(weights, rows, "row weights");
        Tensor m = tensor(matrix, (long) rows * cols, "matrix");
        Tensor out = newTensor(cols, "row combination (" + cols + " elements)");
        try {
            if (cols == 0) return out;
            if (rows == 0) {
                new Launch("sum_slices").mem(m).u32(0).u32(cols).mem(out).run(cols, GROUP); // the empty sum: zeros
                return out;
            }
            // Tall matrices are cut into row slices so that there are enough work-items; the slices are added after.
            int wanted = (int) Math.min(rows, Math.max(1, (ROW_COMBINATION_ITEMS + cols - 1) / cols));
            int perSlice = (rows + wanted - 1) / wanted;
            int slices = (rows + perSlice - 1) / perSlice;
            if (slices == 1) {
                new Launch("row_combination").mem(e).mem(m).u32(rows).u32(cols).u32(perSlice).mem(out).run2d(cols, 1, GROUP, 1);
            } else {
                B partial = partials.ensure((long) slices * cols, 8);
                new Launch("row_combination").mem(e).mem(m).u32(rows).u32(cols).u32(perSlice).mem(partial).run2d(cols, slices, GROUP, 1);
                new Launch("sum_slices").mem(partial).u32(slices).u32(cols).mem(out).run(cols, GROUP);
            }
            return out;
        } catch (RuntimeException ex) {
            out.close();
            throw ex;
        }
    }

    @Override
    public synchronized DeviceTensor columnCombination(DeviceTensor matrix, DeviceTensor weights, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        Tensor m = tensor(matrix, (long) rows * cols, "matrix");
        Tensor e = tensor(weights, cols, "column weights");
        Tensor out = newTensor(rows, "column combination (" + rows + " elements)");
        try {
            if (vectorColumns(rows, cols)) {
                new Launch(VECTOR_COLUMN_COMBINATION).mem(m).mem(e).mem(e).u32(0).u32(rows).u32(cols).mem(out).mem(out).run(rows, GROUP);
            } else if (cols <= NARROW_COLUMNS || rows >= ROWS_PER_ITEM_FROM) {
                new Launch("column_combination_narrow").mem(m).mem(e).u32(rows).u32(cols).mem(out).run(rows, GROUP);
            } else {
                // One group per row: the kernel takes its row from GROUP_ID(0).
                new Launch("column_combination").mem(m).mem(e).u32(rows).u32(cols).mem(out).run((long) rows * GROUP, GROUP);
            }
            return out;
        } catch (RuntimeException ex) {
            out.close();
            throw ex;
        }
    }

    @Override
    public synchronized long[] roundEvaluations(DeviceTensor[] tables, int[] factors, int half, int degree) {
        if (degree < 0 || half < 0) throw new IllegalArgumentException("negative degree or size");
        int points = degree + 1;
        if (factors.length == 0) {
            long[] out = new long[points];
            Arrays.fill(out, Fp.fromLong(half)); // the empty product is 1 at every i
            return out;
        }
        if (factors.length > MAX_FACTORS) throw new IllegalArgumentException("at most " + MAX_FACTORS + " factors, got " + factors.length);
        // Distinct tables in order of first appearance (slots), and the slot each factor reads.
        List<Tensor> slots = new ArrayList<>(MAX_SLOTS);
        int[] tableOfSlot = new int[MAX_SLOTS];
        int slotsOfFactors = 0;
        for (int f = 0; f < factors.length; f++) {
            if (factors[f] < 0 || factors[f] >= tables.length) throw new IllegalArgumentException("factor " + factors[f] + " names no table");
            int slot = -1;
            for (int d = 0; d < slots.size(); d++) if (tableOfSlot[d] == factors[f]) slot = d;
            if (slot < 0) {
                if (slots.size() == MAX_SLOTS) throw new IllegalArgumentException("at most " + MAX_SLOTS + " distinct tables in a round");
                slot = slots.size();
                tableOfSlot[slot] = factors[f];
                slots.add(tensor(tables[factors[f]], 2L * half, "sum-check table " + factors[f]));
            }
            slotsOfFactors |= slot << (2 * f);
        }
        int count = slots.size();
        long[] sums = new long[points];
        if (half == 0) return sums;
        if (count == 2 && factors.length == 2 && points <= MAX_POINTS) {
            return reduce(new Launch("round_pair").mem(slots.get(0)).mem(slots.get(1)).u32(half).u32(points), half, points);
        }
        while (slots.size() < MAX_SLOTS) slots.add(slots.get(0)); // unused slots repeat t0 (never read)
        for (int from = 0; from < points; from += MAX_POINTS) {
            int width = Math.min(MAX_POINTS, points - from);
            Launch launch = new Launch("round_general").mem(slots.get(0)).mem(slots.get(1)).mem(slots.get(2)).mem(slots.get(3))
                    .u32(count).u32(factors.length).u32(slotsOfFactors).u32(half).u32(from).u32(width);
            System.arraycopy(reduce(launch, half, width), 0, sums, from, width);
        }
        return sums;
    }

    @Override
    public synchronized void fold(DeviceTensor table, int half, long r) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        requireCanonical(r, "fold challenge");
        Tensor t = tensor(table, 2L * half, "folded table");
        new Launch("fold").mem(t).u32(half).u64(r).run(half, ELEMENTWISE_GROUP);
        t.maxMagnitude = -1;
    }

    @Override
    public synchronized long[] poolOffsetSums(DeviceTensor input, DeviceTensor eqOut, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        Tensor x = tensor(input, in.size(), "pool input");
        Tensor e = tensor(eqOut, out.size(), "pool output eq table");
        int s = g.window();
        int offsets = s * s;
        long[] sums = new long[offsets];
        for (int o0 = 0; o0 < offsets; o0 += MAX_OFFSETS) {
            int width = Math.min(MAX_OFFSETS, offsets - o0);
            Launch launch = new Launch("pool_offset_sums").mem(x).mem(e).u32(s).u32(in.shape().paddedHeight() / s)
                    .u32(in.shape().paddedWidth() / s).u32(in.paddedBatch()).u32(out.size()).u32(o0).u32(width);
            System.arraycopy(reduce(launch, out.size(), width), 0, sums, o0, width);
        }
        return sums;
    }

    @Override
    public synchronized DeviceTensor convPatchSums(DeviceTensor x, long[] eqRows, long[] eqCols, ConvGeometry g) {
        Shape in = g.input().shape();
        Tensor xs = tensor(x, in.paddedSize(), "conv patch input");
        int outH = g.outputHeight();
        int outW = g.outputWidth();
        if (eqRows.length < outH || eqCols.length < outW) {
            throw new IllegalArgumentException("eq tables of " + eqRows.length + " and " + eqCols.length
                    + " entries for a " + outH + "x" + outW + " output");
        }
        long[] rows = Arrays.copyOf(eqRows, outH);
        long[] cols = Arrays.copyOf(eqCols, outW);
        for (long v : rows) requireCanonical(v, "eq row weight");
        for (long v : cols) requireCanonical(v, "eq column weight");
        Tensor u = newTensor(g.kernelColumns(), "conv patch sums (" + g.kernelColumns() + " elements)");
        try {
            // One group per kernel column: the kernel takes its column from GROUP_ID(0).
            new Launch("conv_patch_sums").mem(xs).mem(first.put(rows)).mem(second.put(cols)).mem(geometry.put(convGeometry(g)))
                    .mem(u).run((long) g.kernelColumns() * GROUP, GROUP);
            return u;
        } catch (RuntimeException ex) {
            u.close();
            throw ex;
        }
    }

    // ---- Backend: F_p^2 ----------------------------------------------------------------------------------
    // Tables a challenge touched keep both parts on the device: the product (eq) tables of the verifier's points are
    // built there, folds by F_p^2 challenges run in place, and a round returns only its 2 (degree + 1) coordinates.

    /** Over F_p^2 on the device: where both operands have imaginary parts, four base combinations added there. */
    @Override
    public synchronized ExtTensor rowCombination(ExtTensor weights, ExtTensor matrix, int rows, int cols) {
        if (weights.isBase() || matrix.isBase()) return Backend.super.rowCombination(weights, matrix, rows, cols);
        return extensionBilinear(weights, matrix, (a, b) -> rowCombination(a, b, rows, cols));
    }

    /**
     * Over F_p^2 on the device, as {@link #rowCombination(ExtTensor, ExtTensor, int, int)}; a base matrix with F_p^2
     * weights, where the vector kernel serves, in one pass over the matrix for both parts.
     */
    @Override
    public synchronized ExtTensor columnCombination(ExtTensor matrix, ExtTensor weights, int rows, int cols) {
        if (matrix.isBase() && !weights.isBase() && vectorColumns(rows, cols)) {
            Tensor m = tensor(matrix.re(), (long) rows * cols, "matrix");
            Tensor eRe = tensor(weights.re(), cols, "column weights (real part)");
            Tensor eIm = tensor(weights.im(), cols, "column weights (imaginary part)");
            ExtTensor out = newExtTensor(rows, "column combination");
            try {
                new Launch(VECTOR_COLUMN_COMBINATION).mem(m).mem(eRe).mem(eIm).u32(1).u32(rows).u32(cols)
                        .mem(tensor(out.re())).mem(tensor(out.im())).run(rows, GROUP);
                return out;
            } catch (RuntimeException ex) {
                out.close();
                throw ex;
            }
        }
        if (weights.isBase() || matrix.isBase()) return Backend.super.columnCombination(matrix, weights, rows, cols);
        return extensionBilinear(matrix, weights, (a, b) -> columnCombination(a, b, rows, cols));
    }

    /** Whether M eq runs {@link #VECTOR_COLUMN_COMBINATION}: one work-item per row (as the narrow kernel), 8 columns at a time. */
    private boolean vectorColumns(int rows, int cols) {
        return vectorKernels && cols > 0 && cols % 8 == 0 && (cols <= NARROW_COLUMNS || rows >= ROWS_PER_ITEM_FROM);
    }

    private interface BaseBilinear {
        DeviceTensor apply(DeviceTensor a, DeviceTensor b);
    }

    /**
     * (a_re + i a_im)(b_re + i b_im) for an operation bilinear over F_p, both operands with imaginary parts: its four
     * base products combined on the device by ext_from_products, so nothing leaves it (Backend's default adds them on
     * the host).
     */
    private ExtTensor extensionBilinear(ExtTensor a, ExtTensor b, BaseBilinear op) {
        List<DeviceTensor> made = new ArrayList<>(4);
        try {
            made.add(op.apply(a.re(), b.re()));
            made.add(op.apply(a.im(), b.im()));
            made.add(op.apply(a.re(), b.im()));
            made.add(op.apply(a.im(), b.re()));
            int n = made.get(0).length();
            new Launch("ext_from_products").mem(tensor(made.get(0))).mem(tensor(made.get(1))).mem(tensor(made.get(2)))
                    .mem(tensor(made.get(3))).u32(n).run(n, ELEMENTWISE_GROUP);
            made.get(1).close();
            made.get(3).close();
            return new ExtTensor(made.get(0), made.get(2));
        } catch (RuntimeException e) {
            for (DeviceTensor t : made) t.close();
            throw e;
        }
    }

    /** conv_patch_sums_ext: U over F_p^2 in one launch, where Backend's default makes up to eight base ones and adds them on the host. */
    @Override
    public synchronized ExtTensor convPatchSums(ExtTensor x, Fp2[] eqRows, Fp2[] eqCols, ConvGeometry g) {
        if (x.isBase() && Fp2.allBase(eqRows) && Fp2.allBase(eqCols)) {
            return ExtTensor.base(convPatchSums(x.re(), Fp2.reals(eqRows), Fp2.reals(eqCols), g));
        }
        Shape in = g.input().shape();
        Tensor xRe = tensor(x.re(), in.paddedSize(), "conv patch input (real part)");
        Tensor xIm = x.isBase() ? xRe : tensor(x.im(), in.paddedSize(), "conv patch input (imaginary part)");
        int outH = g.outputHeight();
        int outW = g.outputWidth();
        if (eqRows.length < outH || eqCols.length < outW) {
            throw new IllegalArgumentException("eq tables of " + eqRows.length + " and " + eqCols.length
                    + " entries for a " + outH + "x" + outW + " output");
        }
        long[] rows = Fp2.toWords(Arrays.copyOf(eqRows, outH));
        long[] cols = Fp2.toWords(Arrays.copyOf(eqCols, outW));
        for (long v : rows) requireCanonical(v, "eq row weight");
        for (long v : cols) requireCanonical(v, "eq column weight");
        ExtTensor u = newExtTensor(g.kernelColumns(), "conv patch sums");
        try {
            // One group per kernel column: the kernel takes its column from GROUP_ID(0).
            new Launch("conv_patch_sums_ext").mem(xRe).mem(xIm).u32(x.isBase() ? 0 : 1).mem(first.put(rows))
                    .mem(second.put(cols)).mem(geometry.put(convGeometry(g))).mem(tensor(u.re())).mem(tensor(u.im()))
                    .run((long) g.kernelColumns() * GROUP, GROUP);
            return u;
        } catch (RuntimeException ex) {
            u.close();
            throw ex;
        }
    }

    /** Both parts of a new table of F_p^2, or neither. */
    private ExtTensor newExtTensor(int length, String what) {
        Tensor re = newTensor(length, what + " (real part, " + length + " elements)");
        try {
            return new ExtTensor(re, newTensor(length, what + " (imaginary part, " + length + " elements)"));
        } catch (RuntimeException e) {
            re.close();
            throw e;
        }
    }

    @Override
    public synchronized ExtTensor productTable(Fp2[] zeroWeights, Fp2[] oneWeights) {
        if (zeroWeights.length != oneWeights.length) throw new IllegalArgumentException("weights of different lengths");
        int k = zeroWeights.length;
        if (Fp2.allBase(zeroWeights) && Fp2.allBase(oneWeights)) {
            return ExtTensor.base(productTable(Fp2.reals(zeroWeights), Fp2.reals(oneWeights)));
        }
        if (k > 30) throw new IllegalArgumentException("product table over " + k + " variables is too large");
        // As over F_p: part tables over the low and the high variables (interleaved re, im), then one product per entry.
        int l = k / 2;
        B zero = first.put(Fp2.toWords(zeroWeights));
        B one = second.put(Fp2.toWords(oneWeights));
        B low = lowTable.ensure(2L << l, 8);
        B high = highTable.ensure(2L << (k - l), 8);
        new Launch("product_table_part_ext").mem(zero).mem(one).u32(0).u32(l).mem(low).run(1L << l, GROUP);
        new Launch("product_table_part_ext").mem(zero).mem(one).u32(l).u32(k - l).mem(high).run(1L << (k - l), GROUP);
        Tensor re = newTensor(1 << k, "product table over " + k + " variables (real part)");
        try {
            Tensor im = newTensor(1 << k, "product table over " + k + " variables (imaginary part)");
            new Launch("outer_product_ext").mem(high).mem(low).u32(l).mem(re).mem(im).u32(1L << k).run(1L << k, ELEMENTWISE_GROUP);
            return new ExtTensor(re, im);
        } catch (RuntimeException e) {
            re.close();
            throw e;
        }
    }

    /**
     * In place where the table has an imaginary part (or the challenge is in F_p); a table of F_p folded by an F_p^2
     * challenge gets new parts of {@code half} entries and is left as it was (it is a witness its owner keeps).
     */
    @Override
    public synchronized ExtTensor fold(ExtTensor table, int half, Fp2 r) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        if (table.isBase() && r.isBase()) {
            fold(table.re(), half, r.re());
            return table;
        }
        if (table.isBase()) return foldIntoNewParts(table.re(), half, r);
        Tensor re = tensor(table.re(), 2L * half, "folded table (real part)");
        Tensor im = tensor(table.im(), 2L * half, "folded table (imaginary part)");
        new Launch("fold_ext").mem(re).mem(im).u32(half).u64(r.re()).u64(r.im()).run(half, ELEMENTWISE_GROUP);
        re.maxMagnitude = -1;
        im.maxMagnitude = -1;
        return table;
    }

    /** A table of F_p folded by any challenge into new F_p^2 parts of {@code half} entries; the table is left alone. */
    synchronized ExtTensor foldIntoNewParts(DeviceTensor table, int half, Fp2 r) {
        Tensor re = tensor(table, 2L * half, "folded table (real part)");
        Tensor foldedRe = newTensor(half, "folded table (real part, " + half + " elements)");
        try {
            Tensor foldedIm = newTensor(half, "folded table (imaginary part, " + half + " elements)");
            new Launch("fold_base_ext").mem(re).u32(half).u64(r.re()).u64(r.im()).mem(foldedRe).mem(foldedIm)
                    .run(half, ELEMENTWISE_GROUP);
            return new ExtTensor(foldedRe, foldedIm);
        } catch (RuntimeException e) {
            foldedRe.close();
            throw e;
        }
    }

    /**
     * One launch of round_ext per {@link #MAX_EXT_POINTS} points over every table, base or extension; rounds of base
     * tables only are {@link #roundEvaluations(DeviceTensor[], int[], int, int)}.
     */
    @Override
    public synchronized Fp2[] roundEvaluations(ExtTensor[] tables, int[] factors, int half, int degree) {
        if (degree < 0 || half < 0) throw new IllegalArgumentException("negative degree or size");
        if (factors.length > MAX_FACTORS) throw new IllegalArgumentException("at most " + MAX_FACTORS + " factors, got " + factors.length);
        boolean extension = false;
        for (int f : factors) {
            if (f < 0 || f >= tables.length) throw new IllegalArgumentException("factor " + f + " names no table");
            extension |= !tables[f].isBase();
        }
        int points = degree + 1;
        Fp2[] out = new Fp2[points];
        if (!extension) {
            DeviceTensor[] reals = new DeviceTensor[tables.length];
            for (int t = 0; t < tables.length; t++) reals[t] = tables[t].re();
            long[] sums = roundEvaluations(reals, factors, half, degree);
            for (int t = 0; t < points; t++) out[t] = Fp2.of(sums[t]);
            return out;
        }
        // Base factors first (the product is commutative and exact), so the kernel multiplies in F_p until it must not.
        int[] ordered = new int[factors.length];
        int n = 0;
        for (int f : factors) if (tables[f].isBase()) ordered[n++] = f;
        for (int f : factors) if (!tables[f].isBase()) ordered[n++] = f;
        // Distinct tables in order of first appearance (slots), and the slot each factor reads.
        int[] tableOfSlot = new int[MAX_SLOTS];
        List<Tensor> re = new ArrayList<>(MAX_SLOTS);
        List<Tensor> im = new ArrayList<>(MAX_SLOTS);
        int slots = 0;
        int imaginaryMask = 0;
        int slotsOfFactors = 0;
        for (int f = 0; f < ordered.length; f++) {
            int slot = -1;
            for (int d = 0; d < slots; d++) if (tableOfSlot[d] == ordered[f]) slot = d;
            if (slot < 0) {
                if (slots == MAX_SLOTS) throw new IllegalArgumentException("at most " + MAX_SLOTS + " distinct tables in a round");
                slot = slots++;
                ExtTensor table = tables[ordered[f]];
                tableOfSlot[slot] = ordered[f];
                re.add(tensor(table.re(), 2L * half, "sum-check table " + ordered[f] + " (real part)"));
                im.add(table.isBase() ? re.get(slot) : tensor(table.im(), 2L * half, "sum-check table " + ordered[f] + " (imaginary part)"));
                if (!table.isBase()) imaginaryMask |= 1 << slot;
            }
            slotsOfFactors |= slot << (2 * f);
        }
        Arrays.fill(out, Fp2.ZERO);
        if (half == 0) return out;
        for (int d = slots; d < MAX_SLOTS; d++) { // unused slots repeat slot 0 (never read)
            re.add(re.get(0));
            im.add(im.get(0));
        }
        for (int from = 0; from < points; from += MAX_EXT_POINTS) {
            int width = Math.min(MAX_EXT_POINTS, points - from);
            Launch launch = new Launch("round_ext");
            for (int d = 0; d < MAX_SLOTS; d++) launch.mem(re.get(d)).mem(im.get(d));
            launch.u32(slots).u32(imaginaryMask).u32(factors.length).u32(slotsOfFactors).u32(half).u32(from).u32(width);
            long[] sums = reduce(launch, half, 2 * width);
            for (int t = 0; t < width; t++) out[from + t] = new Fp2(sums[2 * t], sums[2 * t + 1]);
        }
        return out;
    }

    /** The x^2 sum-check's rounds through square_sums: see {@link DeviceSquareRounds}. */
    @Override
    public SquareRounds squareRounds(Fp2[] zeroWeights, Fp2[] oneWeights, DeviceTensor values) {
        return new DeviceSquareRounds(this, zeroWeights, oneWeights, values);
    }

    /** The live table after a {@link #squareSums} launch (the old one, or new parts it folded into) and q. */
    record SquareSums(ExtTensor table, Fp2[] q) {
    }

    /**
     * One launch of square_sums: q(t) = sum over i < pairs of W(i) a_t(i)^2 for t = 0, [1 where {@code withOne},] 2, in
     * that order, W(i) = high[i >> lowBits] * low[i mod 2^lowBits] (both interleaved re, im). With a {@code pending}
     * challenge, A is {@code table} (4 pairs entries) folded by it in the same pass: in place where the table has an
     * imaginary part, else into new parts (the base table is a witness its owner keeps), which the result holds and
     * the caller then owns. Without one, {@code table} is A, of F_p. The low factor is a tensor (it stays the same
     * while the rounds bind higher variables), the high factor is sent with the launch.
     */
    synchronized SquareSums squareSums(ExtTensor table, Fp2 pending, int pairs, DeviceTensor low, int lowBits, long[] high,
                                       boolean withOne) {
        if (pairs < 1 || (long) high.length << lowBits != 2L * pairs) {
            throw new IllegalArgumentException("a high weight factor of " + high.length / 2 + " entries for " + pairs
                    + " pairs and 2^" + lowBits + " low entries");
        }
        if (pending == null && !table.isBase()) throw new IllegalArgumentException("an F_p^2 table with no challenge to fold");
        for (long v : high) requireCanonical(v, "square sums weight");
        Tensor lowFactor = tensor(low, 2L << lowBits, "x^2 sum-check low weight factor");
        long live = (pending == null ? 2L : 4L) * pairs;
        Tensor re = tensor(table.re(), live, "x^2 sum-check table (real part)");
        Tensor im = table.isBase() ? re : tensor(table.im(), live, "x^2 sum-check table (imaginary part)");
        ExtTensor out = table;
        Tensor outRe = re;
        Tensor outIm = im;
        if (pending != null && table.isBase()) {
            outRe = newTensor(2 * pairs, "folded x^2 sum-check table (real part, " + 2 * pairs + " elements)");
            try {
                outIm = newTensor(2 * pairs, "folded x^2 sum-check table (imaginary part, " + 2 * pairs + " elements)");
            } catch (RuntimeException e) {
                outRe.close();
                throw e;
            }
            out = new ExtTensor(outRe, outIm);
        } else if (pending != null) {
            re.maxMagnitude = -1;
            im.maxMagnitude = -1;
        }
        Fp2 r = pending == null ? Fp2.ZERO : pending;
        try {
            Launch launch = new Launch(vectorKernels && lowBits >= 3 ? VECTOR_SQUARE_SUMS : "square_sums").mem(re).mem(im).u32(table.isBase() ? 0 : 1).u32(pending == null ? 0 : 1)
                    .u64(r.re()).u64(r.im()).mem(outRe).mem(outIm).u32(pairs).mem(lowFactor).u32(lowBits).mem(first.put(high))
                    .u32(withOne ? 1 : 0);
            int points = withOne ? 3 : 2;
            // One group per block at most: a group takes whole blocks (they share a high weight).
            long[] sums = reduce(launch, (long) (pairs >> lowBits) * GROUP, 2 * points);
            Fp2[] q = new Fp2[points];
            for (int t = 0; t < points; t++) q[t] = new Fp2(sums[2 * t], sums[2 * t + 1]);
            return new SquareSums(out, q);
        } catch (RuntimeException e) {
            if (out != table) out.close();
            throw e;
        }
    }

    /**
     * re, im, re, im, ...: the layout the F_p^2 kernels read small operands in (product_table_part_ext, square_sums), as
     * {@link Fp2#toWords} gives it for an array of elements; here from the parts {re, im} of a table
     * ({@code Multilinear.productTable}'s result).
     */
    static long[] interleaved(long[][] parts) {
        long[] out = new long[2 * parts[0].length];
        for (int i = 0; i < parts[0].length; i++) {
            out[2 * i] = parts[0][i];
            out[2 * i + 1] = parts[1][i];
        }
        return out;
    }

    private static void requireCanonical(long value, String what) {
        if (!Fp.isCanonical(value)) throw new IllegalArgumentException(what + " " + value + " is not a canonical field element");
    }

    /**
     * Frees every buffer and then the device API's own objects; reports on standard error, once, tensors that were
     * never closed (their buffers are freed too). Frees as much as it can when the device fails, then rethrows the
     * first failure.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        int leaked = open.size();
        RuntimeException failure = null;
        for (Tensor t : new ArrayList<>(open)) {
            try {
                t.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        for (Scratch s : List.of(partials, results, first, second, geometry, lowTable, highTable)) {
            try {
                s.release();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
        }
        try {
            releaseDevice();
        } catch (RuntimeException e) {
            if (failure == null) failure = e;
        }
        if (leaked > 0) {
            System.err.println(name() + " backend closed with " + leaked + (leaked == 1 ? " tensor" : " tensors") + " still open");
        }
        if (failure != null) throw failure;
    }
}
