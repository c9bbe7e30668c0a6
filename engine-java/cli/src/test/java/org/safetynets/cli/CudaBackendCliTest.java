package org.safetynets.cli;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA backend is on the CLI's class path: `backends` lists it first with its status, and `--backend cuda`
 * where it is unavailable (no NVIDIA driver or GPU, as on CI) is one line with the reason and the backends that are
 * available, exit 2, while auto falls back without a word about CUDA (`backends` says why). Where a GPU is present the
 * demo runs on it.
 */
class CudaBackendCliTest {
    private static BackendProvider cuda() {
        for (BackendProvider p : Backends.providers()) if (p.name().equals("cuda")) return p;
        return null;
    }

    @Test
    void backendsListsCudaFirstWithItsStatus() {
        assertNotNull(cuda(), "safetynets-cuda is a runtime dependency of the CLI");
        Cli backends = Cli.run("backends");
        assertEquals(Main.OK, backends.exitCode(), backends::transcript);
        List<String> rows = backends.out().lines().filter(l -> l.matches("(cuda|opencl|cpu)\\s+\\d+\\s+.*")).toList();
        assertTrue(rows.get(0).startsWith("cuda "), backends::transcript);
        String reason = cuda().unavailableReason();
        if (reason == null) {
            assertTrue(rows.get(0).matches("cuda\\s+10\\s+available"), backends::transcript);
            assertTrue(backends.out().contains("cuda devices:"), backends::transcript);
            assertTrue(backends.out().contains("auto picks cuda: cuda: "), backends::transcript);
        } else {
            assertEquals("cuda", rows.get(0).split("\\s+")[0]);
            assertTrue(rows.get(0).matches("cuda\\s+10\\s+unavailable: .+"), backends::transcript);
            assertTrue(rows.get(0).endsWith(Main.oneLine(reason)), backends::transcript);
            assertFalse(backends.out().contains("auto picks cuda"), backends::transcript);
        }
    }

    @Test
    void explicitCudaWhereUnavailableIsOneLineListingTheAvailableBackends() {
        String reason = cuda().unavailableReason();
        Cli run = Cli.run("demo", "--seed", "3", "--batch", "2", "--backend", "cuda");
        if (reason == null) {
            assertEquals(Main.OK, run.exitCode(), run::transcript);
            assertTrue(run.out().contains("honest proof (Fiat-Shamir): ACCEPT"), run::transcript);
            return;
        }
        assertEquals(Main.ERROR, run.exitCode(), run::transcript);
        assertEquals(1, run.err().lines().count(), run::transcript);
        assertTrue(run.err().startsWith("error: backend 'cuda' is unavailable: "), run::transcript);
        assertTrue(run.err().contains("; available: ") && run.err().contains("cpu"), run::transcript);
        assertEquals("", run.out(), run::transcript);
    }

    @Test
    void autoFallsBackWithoutACudaWarning() {
        // No --backend: auto, as every run on a machine without NVIDIA makes it.
        Cli run = Cli.run("demo", "--seed", "3", "--batch", "2");
        assertEquals(Main.OK, run.exitCode(), run::transcript);
        assertEquals(List.of(), run.err().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("cuda")).toList(), run::transcript);
        assertFalse(run.err().contains("warning:"), run::transcript);
    }
}
