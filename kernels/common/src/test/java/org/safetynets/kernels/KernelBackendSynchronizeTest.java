package org.safetynets.kernels;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.DeviceTensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link KernelBackend#synchronize()} on a device whose launches only queue work: it must wait for the device (its
 * {@code finish} primitive), which is what a timer relies on before it stops the clock. Every device backend gets
 * this from KernelBackend by supplying {@code finish}.
 */
class KernelBackendSynchronizeTest {
    /** A device that queues launches and completes them only in finish(); no kernel really runs. */
    private static final class QueueingDevice extends KernelBackend<Integer> {
        final List<String> queued = new ArrayList<>();
        final List<String> completed = new ArrayList<>();
        private int next;

        QueueingDevice() {
            super(1, false, null); // limb kernels on: the small product below queues matmul_limb
        }

        @Override
        public String name() {
            return "queueing";
        }

        @Override
        public String description() {
            return "queueing: launches complete in finish()";
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
            finish(); // a blocking read waits for every earlier launch
        }

        @Override
        protected void launch(String kernel, List<KernelArg<Integer>> args, WorkShape shape) {
            queued.add(kernel);
        }

        @Override
        protected void finish() {
            completed.addAll(queued);
            queued.clear();
        }

        @Override
        protected void releaseDevice() {
        }
    }

    @Test
    void synchronizeReturnsOnlyOnceTheQueuedKernelsHaveCompleted() {
        QueueingDevice device = new QueueingDevice();
        try (DeviceTensor a = device.upload(new long[] {1, 2, 3, 4}); DeviceTensor b = device.upload(new long[] {5, 6, 7, 8});
             DeviceTensor c = device.matmul(a, b, 2, 2, 2)) {
            assertEquals(List.of("matmul_limb"), device.queued, "the product is queued, not complete, when matmul returns");
            device.synchronize();
            assertEquals(List.of(), device.queued);
            assertEquals(List.of("matmul_limb"), device.completed);
        }
        device.close();
        assertThrows(IllegalStateException.class, device::synchronize);
    }
}
