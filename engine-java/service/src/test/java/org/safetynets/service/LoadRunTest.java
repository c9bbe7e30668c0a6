package org.safetynets.service;

import org.junit.jupiter.api.Test;
import org.safetynets.backend.Backend;
import org.safetynets.backend.Backends;
import org.safetynets.model.DemoNetwork;
import org.safetynets.proof.Prover;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load harness's counting (not its speed): each request lands in exactly one outcome, named correctly. */
class LoadRunTest {
    private static final long[][] INPUTS = DemoNetwork.inputs(5, 2);

    private static long[][] reference() {
        try (Backend backend = Backends.open("cpu", 1, reason -> { })) {
            return Prover.infer(TestHost.DEMO, INPUTS, backend);
        }
    }

    private static LoadRun.Workload workload(LoadRun.Mode mode, long[][] expected) {
        return new LoadRun.Workload("demo", org.safetynets.proof.Verifier.Prepared.of(TestHost.DEMO, org.safetynets.Limits.DEFAULTS), INPUTS, expected, mode);
    }

    private static ProverClient.Options options() {
        return ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(30));
    }

    @Test
    void honestHostAnswersAreCountedAccepted() throws Exception {
        long[][] expected = reference();
        try (TestHost host = TestHost.honest()) {
            for (LoadRun.Mode mode : LoadRun.Mode.values()) {
                LoadRun.Tally tally = LoadRun.run(host.address(), options(), workload(mode, expected), 2, 3, Duration.ZERO, n -> { });
                assertEquals(6, tally.sent());
                assertEquals(6, tally.count(LoadRun.Outcome.ACCEPTED), tally.toString());
                assertEquals(6, tally.answered());
                assertEquals(6, tally.acceptedNanos().length);
                assertTrue(tally.percentileMillis(50) <= tally.percentileMillis(99));
            }
        }
    }

    @Test
    void rejectedWrongAndErrorsAreCountedApart() throws Exception {
        long[][] expected = reference();
        try (TestHost cheat = TestHost.servingOtherAsDemo()) {
            LoadRun.Tally tally = LoadRun.run(cheat.address(), options(), workload(LoadRun.Mode.INTERACTIVE, expected), 2, 2, Duration.ZERO, n -> { });
            assertEquals(4, tally.count(LoadRun.Outcome.REJECTED), tally.toString());
            assertEquals(0, tally.count(LoadRun.Outcome.ACCEPTED));
            assertTrue(Double.isNaN(tally.percentileMillis(50)));
        }
        // A verified answer that is not the reference is WRONG, not ACCEPTED: the check that catches a fooled verifier.
        long[][] other = new long[expected.length][];
        for (int b = 0; b < other.length; b++) other[b] = expected[b].clone();
        other[1][0] += 1;
        try (TestHost host = TestHost.honest()) {
            LoadRun.Tally tally = LoadRun.run(host.address(), options(), workload(LoadRun.Mode.PROVE, other), 1, 2, Duration.ZERO, n -> { });
            assertEquals(2, tally.count(LoadRun.Outcome.WRONG), tally.toString());
        }
        int port;
        try (TestHost gone = TestHost.honest()) {
            port = gone.server.port();
        }
        LoadRun.Tally unreachable = LoadRun.run("localhost:" + port, options(), workload(LoadRun.Mode.PROVE, expected), 2, 2, Duration.ZERO, n -> { });
        assertEquals(4, unreachable.count(LoadRun.Outcome.ERROR), unreachable.toString());
        assertEquals(4, unreachable.sent());
        assertEquals(0, unreachable.answered());
        assertEquals(4, unreachable.errors().values().stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void percentilesAreNearestRank() {
        List<LoadRun.Result> results = new java.util.ArrayList<>();
        for (int i = 100; i >= 1; i--) results.add(new LoadRun.Result(LoadRun.Outcome.ACCEPTED, i * 1_000_000L, null));
        results.add(new LoadRun.Result(LoadRun.Outcome.ERROR, 5, "UNAVAILABLE: x"));
        LoadRun.Tally tally = LoadRun.Tally.of(results, 2_000_000_000L, 8);
        assertEquals(50.0, tally.percentileMillis(50));
        assertEquals(95.0, tally.percentileMillis(95));
        assertEquals(99.0, tally.percentileMillis(99));
        assertEquals(100.0, tally.percentileMillis(100));
        assertEquals(50.0, tally.proofsPerSecond(), 1e-9);
        assertEquals(400.0, tally.samplesPerSecond(), 1e-9);
        assertEquals(Map.of("UNAVAILABLE: x", 1), tally.errors());
        assertEquals(101, tally.sent());
        assertEquals(100, tally.answered());
    }
}
