package org.safetynets.cuda;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;

/**
 * Runs this module's tests where there is no Maven: on a GPU host, from the jars ci/gpu-check.sh packs (the
 * shaded CLI jar, the test jars, JUnit's launcher). Prints every test's outcome, skipped ones with the reason and
 * failed ones with the exception, then the summary; exits 1 if a test failed or none ran, else 0. Set
 * SAFETYNETS_REQUIRE_CUDA=1 (ci/gpu-check.sh does) so that a missing GPU fails the GPU tests instead of skipping them.
 *
 * <p>Usage: {@code java -cp 'LIB/*' org.safetynets.cuda.GpuCheckMain [fully.qualified.TestClass ...]} (default:
 * every *Test class in org.safetynets.cuda).
 */
public final class GpuCheckMain {
    private GpuCheckMain() {
    }

    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request();
        if (args.length == 0) {
            builder.selectors(DiscoverySelectors.selectPackage("org.safetynets.cuda"))
                    .filters(ClassNameFilter.includeClassNamePatterns(".*Test"));
        } else {
            for (String name : args) builder.selectors(DiscoverySelectors.selectClass(name));
        }
        LauncherDiscoveryRequest request = builder.build();
        PrintWriter out = new PrintWriter(System.out, true);
        TestExecutionListener printer = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                out.println("SKIPPED  " + id.getLegacyReportingName() + " (" + id.getUniqueId() + "): " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    out.println(result.getStatus() + "  " + id.getUniqueId() + ": "
                            + result.getThrowable().map(Throwable::toString).orElse(""));
                } else if (id.isTest()) {
                    out.println("ok       " + id.getUniqueId());
                }
            }
        };
        SummaryGeneratingListener summaryListener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summaryListener, printer);
        TestExecutionSummary summary = summaryListener.getSummary();
        summary.printTo(out);
        summary.printFailuresTo(out, 30);
        boolean failed = summary.getTotalFailureCount() > 0 || summary.getTestsSucceededCount() == 0;
        out.println(failed ? "GPU CHECK FAILED" : "GPU CHECK PASSED");
        System.exit(failed ? 1 : 0);
    }
}
