package org.safetynets.spark;

import org.junit.jupiter.api.Test;
import org.safetynets.BackendUnavailable;

import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backend a task runs on, from what Spark gave it (local mode cannot assign GPUs, so the choice is tested here). */
class ExecutorResourcesTest {
    @Test
    void autoTakesTheAssignedGpuThroughCudaThenOpenCl() {
        assertEquals(new ExecutorResources.BackendChoice(List.of("cuda", "opencl"), 0, "1"),
                ExecutorResources.BackendChoice.of("auto", 4, new String[] {"1"}));
    }

    @Test
    void autoWithoutAGpuIsTheCpuBackendOnTheTasksCores() {
        assertEquals(new ExecutorResources.BackendChoice(List.of("cpu"), 3, null), ExecutorResources.BackendChoice.of("auto", 3, new String[0]));
    }

    @Test
    void aNamedBackendIsUsedAsNamedWithTheTasksCores() {
        assertEquals(new ExecutorResources.BackendChoice(List.of("opencl"), 2, "0"), ExecutorResources.BackendChoice.of("opencl", 2, new String[] {"0"}));
    }

    @Test
    void aGpuExecutorWithoutAGpuBackendFailsRatherThanProvingOnItsCpu() {
        // A backend name no machine has stands for "no GPU backend runs here", so the test holds on a GPU host too.
        ExecutorResources.BackendChoice choice = new ExecutorResources.BackendChoice(List.of("no-such-gpu-backend"), 0, "7");
        BackendUnavailable e = assertThrows(BackendUnavailable.class, choice::open);
        assertTrue(e.getMessage().startsWith("Spark assigned GPU 7 but no GPU backend can run on this executor: "), e.getMessage());
    }

    @Test
    void aGpuBackendOpensTheFirstAssignedAddressAndTheCpuBackendNone() {
        ExecutorResources.BackendChoice two = ExecutorResources.BackendChoice.of("auto", 4, new String[] {"3", "5"});
        assertEquals(OptionalInt.of(3), two.device("cuda"));
        assertEquals(OptionalInt.of(3), two.device("opencl"));
        assertEquals(OptionalInt.empty(), ExecutorResources.BackendChoice.of("cpu", 2, new String[] {"3"}).device("cpu"));
        assertEquals(OptionalInt.empty(), ExecutorResources.BackendChoice.of("auto", 2, new String[0]).device("cpu"));
    }

    @Test
    void anAddressThatIsNotADeviceNumberFailsTheTaskNamingIt() {
        ExecutorResources.BackendChoice choice = ExecutorResources.BackendChoice.of("auto", 4, new String[] {"GPU-7f3a"});
        BackendUnavailable e = assertThrows(BackendUnavailable.class, () -> choice.device("cuda"));
        assertTrue(e.getMessage().startsWith("Spark assigned GPU address 'GPU-7f3a', which is not a device number"), e.getMessage());
    }

    @Test
    void aBorrowedBackendIsReusedByTheNextTask() {
        ExecutorResources.BackendChoice choice = ExecutorResources.BackendChoice.of("cpu", 1, new String[0]);
        Object first;
        try (ExecutorResources.Lease lease = ExecutorResources.borrow(choice)) {
            first = lease.backend();
            try (ExecutorResources.Lease concurrent = ExecutorResources.borrow(choice)) {
                assertTrue(concurrent.backend() != first, "a task running at the same time gets its own backend");
            }
        }
        try (ExecutorResources.Lease again = ExecutorResources.borrow(choice)) {
            assertTrue(again.backend() == first, "the backend given back last is the next one lent");
        }
    }
}
