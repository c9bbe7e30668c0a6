package org.safetynets.opencl;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.field.Fp;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.jocl.CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_OUT_OF_HOST_MEMORY;
import static org.jocl.CL.CL_OUT_OF_RESOURCES;
import static org.jocl.CL.CL_INVALID_BUFFER_SIZE;
import static org.jocl.CL.CL_TRUE;
import static org.jocl.CL.clCreateBuffer;
import static org.jocl.CL.clCreateCommandQueue;
import static org.jocl.CL.clCreateKernel;
import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clEnqueueReadBuffer;
import static org.jocl.CL.clEnqueueWriteBuffer;
import static org.jocl.CL.clFinish;
import static org.jocl.CL.clReleaseCommandQueue;
import static org.jocl.CL.clReleaseKernel;
import static org.jocl.CL.clReleaseMemObject;
import static org.jocl.CL.clSetKernelArg;

/**
 * The prover's kernels on an OpenCL device (kernels/src/opencl, compiled at run time). Tensors live in device
 * buffers from upload to close, across layers and sub-protocols; what crosses the bus is the input batch and the
 * model's parameters as the protocol uploads them, the outputs, and the few field elements each reduction returns
 * (round messages, claimed values), plus the challenges and challenge-derived weights sent down. Every such transfer
 * is counted ({@link #bytesToDevice()}, {@link #bytesFromDevice()}).
 *
 * <p>The arithmetic is exact in F_p, so each kernel returns exactly the CPU backend's elements whatever the order
 * of its reductions. One in-order command queue: a kernel sees every earlier write, and a blocking read sees every
 * earlier kernel. Public operations are synchronized: the kernel objects' arguments are shared state.
 */
public final class OpenClBackend implements Backend {
    /** Work-items per group in the reduction kernels (SN_GROUP in reduce.cl). */
    static final int GROUP = 64;
    /** The matrix product's tile edge (SN_TILE in inference.cl). */
    static final int TILE = 16;
    /** Round points per launch of the round kernels (SN_MAX_POINTS). */
    static final int MAX_POINTS = 8;
    static final int MAX_SLOTS = 4;
    static final int MAX_FACTORS = 8;
    /** Window offsets per launch of pool_offset_sums. */
    static final int MAX_OFFSETS = 16;
    /**
     * M*eq runs one work-item per row when rows are narrow or many (enough work-items without splitting a row),
     * else one work-group per row, which parallelises long rows at the price of a group reduction each.
     */
    static final int NARROW_COLUMNS = 16;
    static final int ROWS_PER_ITEM_FROM = 1024;
    /** Work-items per group in the elementwise kernels. */
    static final int ELEMENTWISE_GROUP = 256;
    /** Work-items row_combination aims for: tall matrices are cut into row slices until there are this many. */
    static final int ROW_COMBINATION_ITEMS = 4096;

    private static final String[] KERNELS = {"reduce_sums", "reduce_max", "max_magnitude", "matmul", "matmul_signed",
        "conv2d", "conv2d_signed", "conv2d_signed8", "add_bias", "square", "sum_pool", "product_table_part", "outer_product", "fold",
        "sum_halves", "row_combination", "sum_slices", "column_combination", "column_combination_narrow", "round_general",
        "round_pair", "weighted_square_sums", "weighted_square_sums_02", "pool_offset_sums", "conv_patch_sums"};

    private final OpenClDevices.Device device;
    private final OpenClProgram.Built built;
    private final cl_command_queue queue;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    /** Groups a reduction launches: enough to fill every compute unit several times over. */
    private final int reductionGroups;
    private final Set<ClTensor> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong toDevice = new AtomicLong();
    private final AtomicLong fromDevice = new AtomicLong();
    // Scratch buffers, grown and never shrunk, so that sum-check rounds allocate nothing.
    private final Scratch partials = new Scratch("reduction partials");
    private final Scratch results = new Scratch("reduction results");
    private final Scratch first = new Scratch("parameters");
    private final Scratch second = new Scratch("parameters");
    private final Scratch geometry = new Scratch("geometry");
    private final Scratch lowTable = new Scratch("product table (low variables)");
    private final Scratch highTable = new Scratch("product table (high variables)");
    private boolean closed;

    OpenClBackend(OpenClDevices.Device device) {
        this.device = device;
        this.built = OpenClProgram.forDevice(device);
        this.queue = clCreateCommandQueue(built.context(), device.id(), 0, null);
        try {
            for (String name : KERNELS) kernels.put(name, clCreateKernel(built.program(), name, null));
        } catch (RuntimeException e) {
            release();
            throw e;
        }
        this.reductionGroups = Math.min(1024, Math.max(16, 16 * device.computeUnits()));
    }

    // ---- tensors -----------------------------------------------------------------------------------------

    /** A device buffer owned by one backend; at least one element is allocated so that every kernel gets a buffer. */
    private final class ClTensor implements DeviceTensor {
        private final int length;
        private cl_mem memory;
        /** max |signed(x)| over the entries when known (the signed product path needs it), else -1. In-place writes reset it. */
        private long maxMagnitude = -1;

        ClTensor(int length, String what) {
            this.length = length;
            this.memory = allocate(Math.max(1, length) * (long) Sizeof.cl_ulong, what);
            open.add(this);
        }

        cl_mem memory() {
            cl_mem m = memory;
            if (m == null) throw new IllegalStateException("tensor used after close");
            return m;
        }

        OpenClBackend owner() {
            return OpenClBackend.this;
        }

        @Override
        public int length() {
            memory();
            return length;
        }

        @Override
        public synchronized void close() {
            if (memory != null) {
                clReleaseMemObject(memory);
                memory = null;
                open.remove(this);
            }
        }
    }

    private ClTensor tensor(DeviceTensor t) {
        if (!(t instanceof ClTensor c) || c.owner() != this) {
            throw new IllegalArgumentException("tensor does not belong to this opencl backend");
        }
        c.memory();
        return c;
    }

    private ClTensor tensor(DeviceTensor t, long minLength, String what) {
        ClTensor c = tensor(t);
        if (c.length < minLength) throw new IllegalArgumentException(what + " has " + c.length + " elements, needs at least " + minLength);
        return c;
    }

    private ClTensor newTensor(int length, String what) {
        ensureOpen();
        return new ClTensor(length, what);
    }

    /** A buffer of {@code bytes}, or a {@link DeviceOutOfMemory} naming {@code what}. */
    private cl_mem allocate(long bytes, String what) {
        if (bytes > device.maxAllocation()) {
            throw new DeviceOutOfMemory(what, bytes, device.name(), "above the device's largest allocation, "
                    + device.maxAllocation() + " bytes");
        }
        try {
            return clCreateBuffer(built.context(), CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            if (isOutOfMemory(e.getStatus())) throw new DeviceOutOfMemory(what, bytes, device.name(), e.getMessage());
            throw e;
        }
    }

    private static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY
                || status == CL_INVALID_BUFFER_SIZE;
    }

    /** A device buffer reused across calls, grown to the largest request. Owned by the backend, freed on close. */
    private final class Scratch {
        private final String what;
        private cl_mem memory;
        private long capacity;

        Scratch(String what) {
            this.what = what;
        }

        cl_mem ensure(long elements, int elementBytes) {
            long bytes = Math.max(1, elements) * elementBytes;
            if (bytes > capacity) {
                release();
                memory = allocate(bytes, what);
                capacity = bytes;
            }
            return memory;
        }

        /** Copies {@code values} into the buffer (counted as sent to the device). */
        cl_mem put(long[] values) {
            cl_mem m = ensure(values.length, Sizeof.cl_ulong);
            write(m, values);
            return m;
        }

        cl_mem put(int[] values) {
            cl_mem m = ensure(values.length, Sizeof.cl_int);
            if (values.length > 0) {
                clEnqueueWriteBuffer(queue, m, CL_TRUE, 0, (long) values.length * Sizeof.cl_int, Pointer.to(values), 0, null, null);
                toDevice.addAndGet((long) values.length * Sizeof.cl_int);
            }
            return m;
        }

        void release() {
            if (memory != null) {
                clReleaseMemObject(memory);
                memory = null;
                capacity = 0;
            }
        }
    }

    private void write(cl_mem memory, long[] values) {
        if (values.length == 0) return;
        long bytes = (long) values.length * Sizeof.cl_ulong;
        clEnqueueWriteBuffer(queue, memory, CL_TRUE, 0, bytes, Pointer.to(values), 0, null, null);
        toDevice.addAndGet(bytes);
    }

    private long[] read(cl_mem memory, long offset, int count) {
        long[] out = new long[count];
        if (count == 0) return out;
        long bytes = (long) count * Sizeof.cl_ulong;
        clEnqueueReadBuffer(queue, memory, CL_TRUE, offset * Sizeof.cl_ulong, bytes, Pointer.to(out), 0, null, null);
        fromDevice.addAndGet(bytes);
        return out;
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("opencl backend is closed");
    }

    /** Tensors created and not yet closed. */
    int openTensors() {
        return open.size();
    }

    /** Bytes copied from the host to the device since the backend was opened (tensors, parameters, challenges). */
    public long bytesToDevice() {
        return toDevice.get();
    }

    /** Bytes copied from the device to the host since the backend was opened (downloads, round messages, values). */
    public long bytesFromDevice() {
        return fromDevice.get();
    }

    // ---- kernel launches ---------------------------------------------------------------------------------

    /** One launch: arguments in the kernel's order, then the work size. */
    private final class Launch {
        private final String name;
        private final cl_kernel kernel;
        private int index;

        Launch(String name) {
            this.name = name;
            this.kernel = kernels.get(name);
        }

        Launch mem(cl_mem memory) {
            clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(memory));
            return this;
        }

        Launch mem(ClTensor t) {
            return mem(t.memory());
        }

        Launch u32(long value) {
            if (value < 0 || value > 0xFFFF_FFFFL) throw new IllegalArgumentException(name + ": argument " + value + " is out of range");
            clSetKernelArg(kernel, index++, Sizeof.cl_uint, Pointer.to(new int[] {(int) value}));
            return this;
        }

        Launch u64(long value) {
            clSetKernelArg(kernel, index++, Sizeof.cl_ulong, Pointer.to(new long[] {value}));
            return this;
        }

        /** {@code items} work-items in groups of {@code group} (the global size is rounded up; kernels guard). */
        void run(long items, int group) {
            if (items == 0) return;
            long global = (items + group - 1) / group * group;
            enqueue(1, new long[] {global}, new long[] {group});
        }

        void run2d(long items0, long items1, int group0, int group1) {
            if (items0 == 0 || items1 == 0) return;
            enqueue(2, new long[] {(items0 + group0 - 1) / group0 * group0, (items1 + group1 - 1) / group1 * group1},
                    new long[] {group0, group1});
        }

        /** Work-groups of {@code group0} x 1 x 1; {@code items0} must be a multiple of {@code group0}. */
        void run3d(long items0, long items1, long items2, int group0) {
            if (items0 == 0 || items1 == 0 || items2 == 0) return;
            enqueue(3, new long[] {items0, items1, items2}, new long[] {group0, 1, 1});
        }

        private void enqueue(int dimensions, long[] global, long[] local) {
            try {
                clEnqueueNDRangeKernel(queue, kernel, dimensions, null, global, local, 0, null, null);
            } catch (CLException e) {
                // Drivers that allocate lazily report a buffer that does not fit when a kernel first touches it.
                if (isOutOfMemory(e.getStatus())) {
                    throw new DeviceOutOfMemory("the buffers of kernel " + name, residentBytes(), device.name(), e.getMessage());
                }
                throw e;
            }
        }
    }

    private long residentBytes() {
        long total = 0;
        for (ClTensor t : open) total += Math.max(1, t.length) * (long) Sizeof.cl_ulong;
        return total;
    }

    /**
     * Runs a partial-sum kernel over {@code items} indices ({@code launch} holds every argument but the partials
     * buffer, which comes last), adds the groups' partials on the device and returns the {@code width} sums.
     */
    private long[] reduce(Launch launch, long items, int width) {
        int groups = (int) Math.max(1, Math.min(reductionGroups, (items + GROUP - 1) / GROUP));
        cl_mem partial = partials.ensure((long) groups * width, Sizeof.cl_ulong);
        launch.mem(partial).run((long) groups * GROUP, GROUP);
        cl_mem result = results.ensure(width, Sizeof.cl_ulong);
        new Launch("reduce_sums").mem(partial).u32(groups).u32(width).mem(result).run(GROUP, GROUP);
        return read(result, 0, width);
    }

    /** max |signed(x)| over the tensor, cached on it until an in-place write. */
    private long maxMagnitude(ClTensor t, int n) {
        if (t.maxMagnitude >= 0) return t.maxMagnitude;
        if (n == 0) return 0;
        int groups = (int) Math.max(1, Math.min(reductionGroups, (n + GROUP - 1L) / GROUP));
        cl_mem partial = partials.ensure(groups, Sizeof.cl_ulong);
        new Launch("max_magnitude").mem(t).u32(n).mem(partial).run((long) groups * GROUP, GROUP);
        cl_mem result = results.ensure(1, Sizeof.cl_ulong);
        new Launch("reduce_max").mem(partial).u32(groups).mem(result).run(GROUP, GROUP);
        long max = read(result, 0, 1)[0];
        if (n == t.length) t.maxMagnitude = max;
        return max;
    }

    // ---- Backend: storage --------------------------------------------------------------------------------

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "opencl: " + device.describe();
    }

    @Override
    public synchronized DeviceTensor upload(long[] values) {
        long max = 0;
        for (int i = 0; i < values.length; i++) {
            if (!Fp.isCanonical(values[i])) {
                throw new IllegalArgumentException("element " + i + " is " + values[i] + ", not a canonical field element");
            }
            max = Math.max(max, SignedPath.magnitude(values[i]));
        }
        ClTensor t = newTensor(values.length, "an uploaded tensor of " + values.length + " elements");
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
        ClTensor t = tensor(tensor);
        return read(t.memory(), 0, t.length);
    }

    @Override
    public synchronized long get(DeviceTensor tensor, int index) {
        ClTensor t = tensor(tensor);
        if (index < 0 || index >= t.length) throw new IndexOutOfBoundsException("index " + index + " of a tensor of " + t.length);
        return read(t.memory(), index, 1)[0];
    }

    // ---- Backend: inference ------------------------------------------------------------------------------

    @Override
    public synchronized DeviceTensor matmul(DeviceTensor a, DeviceTensor b, int rows, int inner, int cols) {
        if (rows < 0 || inner < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        ClTensor x = tensor(a, (long) rows * inner, "matmul A");
        ClTensor y = tensor(b, (long) inner * cols, "matmul B");
        ClTensor c = newTensor(Math.multiplyExact(rows, cols), "matmul output C (" + rows + " x " + cols + ")");
        try {
            if (rows == 0 || cols == 0) return c;
            long tilesPerReduce = 0;
            if (inner > 0) {
                long maxA = maxMagnitude(x, rows * inner);
                long maxB = maxA == 0 ? 0 : maxMagnitude(y, inner * cols);
                tilesPerReduce = SignedPath.termsPerReduce(maxA, maxB) / TILE;
            }
            long groups0 = (cols + TILE - 1) / TILE;
            long groups1 = (rows + TILE - 1) / TILE;
            if (tilesPerReduce >= 1) {
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

    /** The geometry array the conv kernels read (CG_* in inference.cl). */
    private static int[] convGeometry(ConvGeometry g) {
        Shape in = g.input().shape();
        Shape out = g.output().shape();
        return new int[] {in.channels(), in.height(), in.width(), in.paddedHeight(), in.paddedWidth(), g.outChannels(),
            g.outputHeight(), g.outputWidth(), out.paddedHeight(), out.paddedWidth(), g.kernel(), g.paddedKernel(),
            g.stride(), g.padding(), g.input().paddedBatch(), g.kernelColumns()};
    }

    @Override
    public synchronized DeviceTensor conv2d(DeviceTensor kernel, DeviceTensor input, ConvGeometry g) {
        int kernelEntries = g.outChannels() * g.kernelColumns();
        ClTensor k = tensor(kernel, kernelEntries, "conv kernel");
        ClTensor x = tensor(input, g.input().size(), "conv input");
        Layout out = g.output();
        ClTensor y = newTensor(out.size(), "conv output (" + out.shape() + " x batch " + out.batch() + ")");
        try {
            long taps = (long) g.input().shape().channels() * g.kernel() * g.kernel();
            long maxK = maxMagnitude(k, kernelEntries);
            long maxX = maxK == 0 ? 0 : maxMagnitude(x, g.input().size());
            long chunk = SignedPath.termsPerReduce(maxK, maxX);
            Shape in = g.input().shape();
            Shape os = out.shape();
            int bp = g.input().paddedBatch();
            // (b, output position, output channel): a work-group shares one (co, oh, ow), see inference.cl.
            boolean signed = SignedPath.useSigned(chunk, taps) && chunk >= g.kernel();
            boolean vector = signed && bp % 8 == 0;
            String kernelName = vector ? "conv2d_signed8" : signed ? "conv2d_signed" : "conv2d";
            Launch launch = new Launch(kernelName).mem(k).mem(x).mem(y).u32(in.channels()).u32(in.height())
                    .u32(in.width()).u32(in.paddedHeight()).u32(in.paddedWidth()).u32(g.outChannels()).u32(g.outputHeight())
                    .u32(g.outputWidth()).u32(os.paddedWidth()).u32(g.kernel()).u32(g.paddedKernel()).u32(g.stride())
                    .u32(g.padding()).u32(g.kernelColumns());
            if (signed) launch.u64(chunk);
            int items = vector ? bp / 8 : bp;
            launch.run3d(items, (long) os.paddedHeight() * os.paddedWidth(), os.paddedChannels(), Math.min(items, GROUP));
            return y;
        } catch (RuntimeException e) {
            y.close();
            throw e;
        }
    }

    @Override
    public synchronized void addBias(DeviceTensor tensor, long[] bias, Layout layout) {
        ClTensor y = tensor(tensor, layout.size(), "biased tensor");
        Shape s = layout.shape();
        if (bias.length < s.channels()) throw new IllegalArgumentException("bias has " + bias.length + " entries for " + s.channels() + " channels");
        long[] used = Arrays.copyOf(bias, s.channels());
        for (long beta : used) requireCanonical(beta, "bias");
        long real = (long) s.size() * layout.batch();
        new Launch("add_bias").mem(y).mem(first.put(used)).u32(s.height()).u32(s.width()).u32(s.paddedHeight())
                .u32(s.paddedWidth()).u32(layout.batch()).u32(layout.paddedBatch()).u32(real).run(real, ELEMENTWISE_GROUP);
        y.maxMagnitude = -1;
    }

    @Override
    public synchronized DeviceTensor square(DeviceTensor input) {
        ClTensor x = tensor(input);
        ClTensor y = newTensor(x.length, "square output (" + x.length + " elements)");
        new Launch("square").mem(x).mem(y).u32(x.length).run(x.length, ELEMENTWISE_GROUP);
        return y;
    }

    @Override
    public synchronized DeviceTensor sumPool(DeviceTensor input, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        ClTensor x = tensor(input, in.size(), "pool input");
        ClTensor y = newTensor(out.size(), "pool output (" + out.shape() + " x batch " + out.batch() + ")");
        int s = g.window();
        // The output's padded extent is the input's divided by the window (powers of two, window <= extent).
        new Launch("sum_pool").mem(x).mem(y).u32(s).u32(in.shape().paddedHeight() / s).u32(in.shape().paddedWidth() / s)
                .u32(in.paddedBatch()).u32(out.size()).run(out.size(), ELEMENTWISE_GROUP);
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
        cl_mem zero = first.put(zeroWeights);
        cl_mem one = second.put(oneWeights);
        cl_mem low = lowTable.ensure(1L << l, Sizeof.cl_ulong);
        cl_mem high = highTable.ensure(1L << (k - l), Sizeof.cl_ulong);
        new Launch("product_table_part").mem(zero).mem(one).u32(0).u32(l).mem(low).run(1L << l, GROUP);
        new Launch("product_table_part").mem(zero).mem(one).u32(l).u32(k - l).mem(high).run(1L << (k - l), GROUP);
        ClTensor table = newTensor(1 << k, "product table over " + k + " variables");
        new Launch("outer_product").mem(high).mem(low).u32(l).mem(table).u32(1L << k).run(1L << k, ELEMENTWISE_GROUP);
        return table;
    }

    @Override
    public synchronized long[] weightedSquareSums(DeviceTensor high, DeviceTensor low, int lowVariables, DeviceTensor values,
                                                  int half, int[] points) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        if (lowVariables < 0 || lowVariables > 30 || (half & ((1 << lowVariables) - 1)) != 0) {
            throw new IllegalArgumentException(half + " entries do not split into blocks of 2^" + lowVariables);
        }
        // The kernels multiply the two weight factors per entry: one more multiplication against a table read.
        ClTensor h = tensor(high, half >> lowVariables, "square weights (high factor)");
        ClTensor l = tensor(low, 1L << lowVariables, "square weights (low factor)");
        ClTensor a = tensor(values, 2L * half, "square values");
        for (int t : points) {
            if (t < 0 || t > 2) throw new IllegalArgumentException("square sums are for t in {0, 1, 2}, not " + t);
        }
        long[] sums = new long[points.length];
        if (half == 0) return sums;
        if (Arrays.equals(points, new int[] {0, 2})) {
            return reduce(new Launch("weighted_square_sums_02").mem(h).mem(l).u32(lowVariables).mem(a).u32(half), half, 2);
        }
        for (int from = 0; from < points.length; from += 3) {
            int count = Math.min(3, points.length - from);
            int p0 = points[from];
            int p1 = count > 1 ? points[from + 1] : 0;
            int p2 = count > 2 ? points[from + 2] : 0;
            Launch launch = new Launch("weighted_square_sums").mem(h).mem(l).u32(lowVariables).mem(a).u32(half).u32(count).u32(p0).u32(p1).u32(p2);
            System.arraycopy(reduce(launch, half, count), 0, sums, from, count);
        }
        return sums;
    }

    @Override
    public synchronized void sumHalves(DeviceTensor table, int half) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        ClTensor t = tensor(table, 2L * half, "summed table");
        new Launch("sum_halves").mem(t).u32(half).run(half, ELEMENTWISE_GROUP);
        t.maxMagnitude = -1;
    }

    @Override
    public synchronized DeviceTensor rowCombination(DeviceTensor weights, DeviceTensor matrix, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative matrix dimension");
        ClTensor e = tensor(weights, rows, "row weights");
        ClTensor m = tensor(matrix, (long) rows * cols, "matrix");
        ClTensor out = newTensor(cols, "row combination (" + cols + " elements)");
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
                cl_mem partial = partials.ensure((long) slices * cols, Sizeof.cl_ulong);
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
        ClTensor m = tensor(matrix, (long) rows * cols, "matrix");
        ClTensor e = tensor(weights, cols, "column weights");
        ClTensor out = newTensor(rows, "column combination (" + rows + " elements)");
        if (cols <= NARROW_COLUMNS || rows >= ROWS_PER_ITEM_FROM) {
            new Launch("column_combination_narrow").mem(m).mem(e).u32(rows).u32(cols).mem(out).run(rows, GROUP);
        } else {
            new Launch("column_combination").mem(m).mem(e).u32(rows).u32(cols).mem(out).run((long) rows * GROUP, GROUP);
        }
        return out;
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
        ClTensor[] slots = new ClTensor[MAX_SLOTS];
        int[] tableOfSlot = new int[MAX_SLOTS];
        int count = 0;
        int slotsOfFactors = 0;
        for (int f = 0; f < factors.length; f++) {
            if (factors[f] < 0 || factors[f] >= tables.length) throw new IllegalArgumentException("factor " + factors[f] + " names no table");
            int slot = -1;
            for (int d = 0; d < count; d++) if (tableOfSlot[d] == factors[f]) slot = d;
            if (slot < 0) {
                if (count == MAX_SLOTS) throw new IllegalArgumentException("at most " + MAX_SLOTS + " distinct tables in a round");
                slot = count++;
                tableOfSlot[slot] = factors[f];
                slots[slot] = tensor(tables[factors[f]], 2L * half, "sum-check table " + factors[f]);
            }
            slotsOfFactors |= slot << (2 * f);
        }
        long[] sums = new long[points];
        if (half == 0) return sums;
        if (count == 2 && factors.length == 2 && points <= MAX_POINTS) {
            return reduce(new Launch("round_pair").mem(slots[0]).mem(slots[1]).u32(half).u32(points), half, points);
        }
        for (int d = count; d < MAX_SLOTS; d++) slots[d] = slots[0];
        for (int from = 0; from < points; from += MAX_POINTS) {
            int width = Math.min(MAX_POINTS, points - from);
            Launch launch = new Launch("round_general").mem(slots[0]).mem(slots[1]).mem(slots[2]).mem(slots[3]).u32(count)
                    .u32(factors.length).u32(slotsOfFactors).u32(half).u32(from).u32(width);
            System.arraycopy(reduce(launch, half, width), 0, sums, from, width);
        }
        return sums;
    }

    @Override
    public synchronized void fold(DeviceTensor table, int half, long r) {
        if (half < 0) throw new IllegalArgumentException("negative size");
        requireCanonical(r, "fold challenge");
        ClTensor t = tensor(table, 2L * half, "folded table");
        new Launch("fold").mem(t).u32(half).u64(r).run(half, ELEMENTWISE_GROUP);
        t.maxMagnitude = -1;
    }

    @Override
    public synchronized long[] poolOffsetSums(DeviceTensor input, DeviceTensor eqOut, PoolGeometry g) {
        Layout in = g.input();
        Layout out = g.output();
        ClTensor x = tensor(input, in.size(), "pool input");
        ClTensor e = tensor(eqOut, out.size(), "pool output eq table");
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
        ClTensor xs = tensor(x, in.paddedSize(), "conv patch input");
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
        ClTensor u = newTensor(g.kernelColumns(), "conv patch sums (" + g.kernelColumns() + " elements)");
        new Launch("conv_patch_sums").mem(xs).mem(first.put(rows)).mem(second.put(cols)).mem(geometry.put(convGeometry(g)))
                .mem(u).run((long) g.kernelColumns() * GROUP, GROUP);
        return u;
    }

    private static void requireCanonical(long value, String what) {
        if (!Fp.isCanonical(value)) throw new IllegalArgumentException(what + " " + value + " is not a canonical field element");
    }

    /**
     * Releases the queue, the kernels and every buffer; reports on standard error, once, tensors that were never
     * closed (their buffers are released too: the context outlives the backend). The shared context and program stay.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        int leaked = open.size();
        for (ClTensor t : open.toArray(new ClTensor[0])) t.close();
        release();
        if (leaked > 0) {
            System.err.println("opencl backend closed with " + leaked + (leaked == 1 ? " tensor" : " tensors") + " still open");
        }
    }

    private void release() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            // The queue is being torn down; an earlier failure was already reported to the caller.
        }
        for (Scratch s : new Scratch[] {partials, results, first, second, geometry, lowTable, highTable}) s.release();
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        kernels.clear();
        clReleaseCommandQueue(queue);
    }
}
