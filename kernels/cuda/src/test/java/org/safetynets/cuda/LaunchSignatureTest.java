package org.safetynets.cuda;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.DeviceTensor;
import org.safetynets.backend.ExtTensor;
import org.safetynets.backend.SquareRounds;
import org.safetynets.field.Fp;
import org.safetynets.field.Fp2;
import org.safetynets.kernels.KernelArg;
import org.safetynets.kernels.KernelBackend;
import org.safetynets.kernels.WorkShape;
import org.safetynets.tensor.ConvGeometry;
import org.safetynets.tensor.Layout;
import org.safetynets.tensor.PoolGeometry;
import org.safetynets.tensor.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Without a GPU: every launch the shared host logic makes agrees with the compiled kernels' interface in the PTX,
 * which is what cuLaunchKernel relies on and cannot check itself (it copies each parameter by the size the kernel
 * declares, from the pointer it is handed). For each launch:
 * <ul>
 *   <li>the argument count and each argument's width equal the .entry's parameters (buffers and u64 are 8 bytes,
 *       u32 4): a u32 passed where the kernel reads a u64 would shift every later parameter;</li>
 *   <li>a kernel whose shared memory holds a group-sized scratch array (8 bytes per thread) is launched with exactly
 *       that many threads per block, and the tiled product with TILE x TILE blocks for its TILE x TILE tiles: the
 *       reduction trees and tile loads index those arrays by thread;</li>
 *   <li>blocks stay within 1024 threads and the grid's y and z within 65535 blocks.</li>
 * </ul>
 * The launches come from {@link KernelBackend}'s operations over a recording device: it runs no kernel and returns
 * zeros or large values for reads so that both product paths (signed and 128-bit) are taken. Nothing here checks a
 * result: the GPU tests (CudaBackendTest, CudaKernelsTest, CudaProofEquivalenceTest) do that.
 */
class LaunchSignatureTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.[usb](\\d+)\\s+\\w+");
    private static final Pattern SHARED = Pattern.compile("\\.shared\\s+\\.align\\s+\\d+\\s+\\.b8\\s+_ZZ(\\d+)(\\w+)\\[(\\d+)\\];");

    record Launch(String kernel, List<Integer> widths, WorkShape shape) {
    }

    /** A device that records launches and runs nothing; reads return {@code readValue}. Handles are numbers. */
    private static final class Recorder extends KernelBackend<Integer> {
        final List<Launch> launches = new ArrayList<>();
        long readValue;
        private int next;

        Recorder() {
            // As many SMs as an H100 (reductions launch the most groups they would there); fp64, as every CUDA GPU.
            super(132, false, null);
        }

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public String description() {
            return "recorder: launches only";
        }

        @Override
        protected Integer allocate(long bytes, String what) {
            return next++;
        }

        @Override
        protected void free(Integer memory) {
        }

        @Override
        protected void copyToDevice(Integer memory, long[] values) {
        }

        @Override
        protected void copyToDevice(Integer memory, int[] values) {
        }

        @Override
        protected void copyFromDevice(Integer memory, long offset, long[] into) {
            Arrays.fill(into, readValue);
        }

        @Override
        protected void launch(String kernel, List<KernelArg<Integer>> args, WorkShape shape) {
            List<Integer> widths = new ArrayList<>();
            for (KernelArg<Integer> arg : args) widths.add(arg instanceof KernelArg.U32<Integer> ? 32 : 64);
            launches.add(new Launch(kernel, widths, shape));
        }

        @Override
        protected void finish() {
        }

        @Override
        protected void releaseDevice() {
        }
    }

    /** Each .entry's parameter widths in bits, from the committed PTX. */
    private static Map<String, List<Integer>> entryWidths() {
        Map<String, List<Integer>> out = new HashMap<>();
        Matcher m = ENTRY.matcher(CudaKernelImages.ptx());
        while (m.find()) {
            List<Integer> widths = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) widths.add(Integer.parseInt(p.group(1)));
            out.put(m.group(1), widths);
        }
        return out;
    }

    /** Threads per block each kernel's shared arrays imply: a kernel's largest shared array, one u64 per thread. */
    private static Map<String, Integer> sharedThreads() {
        Map<String, Integer> out = new HashMap<>();
        Matcher m = SHARED.matcher(CudaKernelImages.ptx());
        while (m.find()) {
            // _ZZ<n><kernel>E<m><variable>: the kernel's name is the first n characters.
            int n = Integer.parseInt(m.group(1));
            String kernel = m.group(2).substring(0, n);
            out.merge(kernel, Integer.parseInt(m.group(3)) / 8, Math::max);
        }
        return out;
    }

    private static void exercise(Backend b) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        long[] v = new long[4096];
        for (int i = 0; i < v.length; i++) v[i] = random.nextLong(Fp.P);
        try (DeviceTensor a = b.upload(v); DeviceTensor c = b.upload(v); DeviceTensor d = b.upload(v)) {
            b.download(a);
            b.get(a, 3);
            // Computed tensors: their magnitudes are read from the device, so readValue picks the product path.
            try (DeviceTensor sa = b.square(a); DeviceTensor sc = b.square(c)) {
                b.matmul(sa, sc, 37, 61, 41).close();
            }
            ConvGeometry conv = new ConvGeometry(new Layout(new Shape(2, 7, 5), 3), 3, 3, 1, 1);
            try (DeviceTensor k0 = b.upload(new long[conv.output().shape().paddedChannels() * conv.kernelColumns()]);
                 DeviceTensor x0 = b.upload(new long[conv.input().size()]);
                 DeviceTensor kernel = b.square(k0); DeviceTensor input = b.square(x0)) {
                b.conv2d(kernel, input, conv).close();
                long[] rows = new long[conv.outputHeight()];
                long[] cols = new long[conv.outputWidth()];
                try (DeviceTensor x = b.upload(new long[conv.input().shape().paddedSize()])) {
                    b.convPatchSums(x, rows, cols, conv).close();
                }
                Fp2[] extRows = new Fp2[conv.outputHeight()];
                Fp2[] extCols = new Fp2[conv.outputWidth()];
                Arrays.fill(extRows, new Fp2(1, 2));
                Arrays.fill(extCols, Fp2.ONE);
                try (ExtTensor x = new ExtTensor(b.upload(new long[conv.input().shape().paddedSize()]),
                        b.upload(new long[conv.input().shape().paddedSize()]))) {
                    b.convPatchSums(x, extRows, extCols, conv).close(); // conv_patch_sums_ext
                }
            }
            Layout layout = new Layout(new Shape(3, 4, 4), 5);
            try (DeviceTensor y = b.upload(new long[layout.size()])) {
                b.addBias(y, new long[] {1, 2, 3, 4}, layout);
                b.square(y).close();
            }
            PoolGeometry pool = new PoolGeometry(new Layout(new Shape(2, 8, 8), 3), 4);
            try (DeviceTensor x = b.upload(new long[pool.input().size()]); DeviceTensor eq = b.upload(new long[pool.output().size()])) {
                b.sumPool(x, pool).close();
                b.squareThenSumPool(x, pool).close();
                b.poolOffsetSums(x, eq, pool);
            }
            b.productTable(new long[11], new long[11]).close();
            b.eqTable(new long[] {1, 2, 3}).close();
            b.fold(d, 512, 7);
            try (ExtTensor w = new ExtTensor(b.upload(new long[64]), b.upload(new long[64]));
                 ExtTensor m = new ExtTensor(b.upload(new long[64 * 32]), b.upload(new long[64 * 32]))) {
                b.rowCombination(w, m, 64, 32).close(); // four base ones, then ext_from_products
            }
            b.rowCombination(a, c, 64, 32).close(); // one slice
            b.rowCombination(a, c, 2048, 2).close(); // slices, then sum_slices
            b.rowCombination(a, c, 0, 8).close(); // the empty sum
            b.columnCombination(a, c, 64, 8).close(); // narrow
            b.columnCombination(a, c, 16, 200).close(); // a group per row
            DeviceTensor[] tables = {a, c, d};
            b.roundEvaluations(tables, new int[] {0, 1}, 1024, 2); // round_pair
            b.roundEvaluations(tables, new int[] {0, 1, 1}, 1024, 3); // round_general
            b.roundEvaluations(tables, new int[] {0, 1, 2}, 1024, 11); // points over two launches
            // F_p^2: an eq table of an extension point, folds of an extension and of a base table, rounds over both.
            Fp2[] point = {new Fp2(1, 2), new Fp2(3, 4), Fp2.I};
            try (ExtTensor eq = b.eqTable(point); ExtTensor base = ExtTensor.base(b.upload(v))) {
                try (ExtTensor folded = b.fold(base, 2048, point[0])) {
                    b.roundEvaluations(new ExtTensor[] {eq, folded}, new int[] {0, 1, 1}, 2, 3);
                    b.roundEvaluations(new ExtTensor[] {eq, base, folded}, new int[] {1, 0, 2}, 2, 5); // points over two launches
                }
                b.fold(eq, 4, point[1]);
            }
            // The x^2 sum-check's rounds: square_sums over the base table, then over its F_p^2 folds.
            Fp2[] one = {new Fp2(5, 6), Fp2.ONE, Fp2.ZERO};
            Fp2[] zero = {Fp2.ONE.sub(one[0]), Fp2.ONE, Fp2.ONE};
            try (DeviceTensor values = b.upload(new long[8]); SquareRounds rounds = b.squareRounds(zero, one, values)) {
                for (int m = 2; m >= 0; m--) {
                    rounds.roundPolynomial(Fp2.ONE);
                    rounds.bind(point[m]);
                }
                rounds.finalValue();
            }
        }
    }

    @Test
    void everyLaunchMatchesTheKernelsParametersAndBlockShape() {
        Map<String, List<Integer>> widths = entryWidths();
        Map<String, Integer> shared = sharedThreads();
        assertEquals(Set.copyOf(KernelBackend.SHARED_KERNELS), widths.keySet());
        assertTrue(shared.keySet().containsAll(List.of("reduce_sums", "round_pair", "matmul", "conv_patch_sums")), shared::toString);
        Set<String> launched = new TreeSet<>();
        // Magnitudes read back as 0 (signed paths), 1 (the limb paths: small weights) and the largest (128-bit paths).
        for (long readValue : new long[] {0, 1, Fp.MAX_SIGNED}) {
            try (Recorder recorder = new Recorder()) {
                recorder.readValue = readValue;
                exercise(recorder);
                for (Launch launch : recorder.launches) {
                    launched.add(launch.kernel());
                    List<Integer> declared = widths.get(launch.kernel());
                    if (declared == null) fail(launch.kernel() + " is launched but not in the PTX");
                    assertEquals(declared, launch.widths(), launch.kernel() + ": argument widths against the PTX parameters");
                    WorkShape s = launch.shape();
                    long threads = (long) s.group0() * s.group1() * s.group2();
                    assertTrue(threads <= 1024 && s.groups0() <= Integer.MAX_VALUE && s.groups1() <= 65535 && s.groups2() <= 65535,
                            launch.toString());
                    Integer needed = shared.get(launch.kernel());
                    if (needed != null) {
                        assertEquals((long) needed, threads, launch.kernel() + " indexes a shared array of " + needed + " u64 by thread: " + s);
                    }
                    if (launch.kernel().startsWith("matmul")) {
                        assertEquals(List.of(KernelBackend.TILE, KernelBackend.TILE, 1), List.of(s.group0(), s.group1(), s.group2()));
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(KernelBackend.SHARED_KERNELS), launched, "every kernel is exercised, on every product path");
    }
}
