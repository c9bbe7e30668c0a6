package org.safetynets.cuda;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

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

    /**
     * The *Test classes of org.safetynets.cuda beside this class (its jar or directory), listed with java.util.zip:
     * JUnit's package scan reads jars through the zip file system, which device-pack's small runtime leaves out.
     */
    static List<String> testClasses() {
        String prefix = "org/safetynets/cuda/";
        List<String> names = new ArrayList<>();
        try {
            Path location = Path.of(GpuCheckMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.list(location.resolve(prefix))) {
                    files.map(p -> prefix + p.getFileName()).forEach(names::add);
                }
            } else {
                try (ZipFile jar = new ZipFile(location.toFile())) {
                    jar.stream().map(ZipEntry::getName).filter(n -> n.startsWith(prefix)).forEach(names::add);
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot list the CUDA test classes: " + e, e);
        }
        List<String> classes = new ArrayList<>();
        for (String n : names) {
            String simple = n.substring(prefix.length());
            if (simple.endsWith("Test.class") && !simple.contains("$")) classes.add((prefix + simple).replace('/', '.').replace(".class", ""));
        }
        Collections.sort(classes);
        return classes;
    }

    public static void main(String[] args) {
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request();
        for (String name : args.length > 0 ? List.of(args) : testClasses()) builder.selectors(DiscoverySelectors.selectClass(name));
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
