package org.safetynets.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bin/safetynets, run from a copy of bin/ in a scratch tree with a stand-in {@code java} (JAVA_HOME) that prints
 * its arguments: which jar and main class a command line reaches, without building or starting a JVM.
 */
class LauncherTest {
    /** The repository's bin/, found from the working directory upwards. */
    private static Path repositoryBin() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bin/safetynets")) && Files.isRegularFile(dir.resolve("bin/java-env.sh"))) return dir.resolve("bin");
        }
        return null;
    }

    private static String launch(Path root, String... args) throws IOException, InterruptedException {
        return launch(root, java.util.Map.of("SAFETYNETS_CACHE", root.resolve("cache").toString()), args);
    }

    private static String launch(Path root, java.util.Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", root.resolve("bin/safetynets").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", root.resolve("jdk").toString());
        builder.environment().remove("SAFETYNETS_JAVA_OPTS");
        builder.environment().remove("SAFETYNETS_CDS");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output.strip();
    }

    @Test
    void helpTrainRunsTrainsOwnHelpLikeTrainDashDashHelp(@TempDir Path root) throws Exception {
        scratchTree(root);
        Files.createDirectories(root.resolve("engine-java/train/target/lib"));
        Files.createFile(root.resolve("engine-java/train/target/safetynets-train.jar"));

        String trainHelp = launch(root, "train", "--help");
        assertTrue(trainHelp.endsWith("org.safetynets.train.TrainMain --help"), trainHelp);
        assertEquals(trainHelp, launch(root, "help", "train"));
        // Any other help stays with the main jar.
        assertTrue(launch(root, "help", "prove").endsWith("safetynets.jar help prove"));
    }

    /** A scratch tree whose stand-in java prints its arguments and, like a JVM asked to, writes the CDS archive. */
    private static Path scratchTree(Path root) throws IOException {
        Path bin = repositoryBin();
        assertNotNull(bin, "bin/safetynets not found above " + Path.of("").toAbsolutePath());
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")), "no bash here");
        Files.createDirectories(root.resolve("bin"));
        for (String script : new String[] {"safetynets", "java-env.sh"}) Files.copy(bin.resolve(script), root.resolve("bin").resolve(script));
        Files.createDirectories(root.resolve("engine-java/cli/target"));
        Files.createFile(root.resolve("engine-java/cli/target/safetynets.jar"));
        Path java = Files.createDirectories(root.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\" ;; esac; done\n"
                + "echo \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return root;
    }

    @Test
    void theFirstProveWritesTheCdsArchiveAndLaterCommandsMapIt(@TempDir Path root) throws Exception {
        scratchTree(root);
        Path cache = root.resolve("cache");
        String first = launch(root, "prove", "-M", "m.snm");
        assertTrue(first.contains("-XX:ArchiveClassesAtExit=" + cache + "/cds-"), first);
        assertTrue(first.contains("-Xlog:cds=off"), first); // a stale archive or a failed dump says nothing
        assertTrue(first.endsWith("safetynets.jar prove -M m.snm"), first);
        List<Path> archives;
        try (var files = Files.list(cache)) {
            archives = files.toList();
        }
        assertEquals(1, archives.size(), archives::toString); // renamed into place, no temporary left
        assertTrue(archives.get(0).getFileName().toString().matches("cds-[0-9]+\\.jsa"), archives::toString);
        for (String command : new String[] {"prove", "inspect"}) {
            String later = launch(root, command);
            assertTrue(later.contains("-XX:SharedArchiveFile=" + archives.get(0) + " -XX:+VerifySharedSpaces"), later); // a corrupted archive is passed over, not a SIGSEGV
            assertFalse(later.contains("ArchiveClassesAtExit"), later);
        }
        // Off, or a cache directory that cannot be made: no archive option at all, and the command still runs.
        String off = launch(root, java.util.Map.of("SAFETYNETS_CDS", "off", "SAFETYNETS_CACHE", cache.toString()), "prove");
        assertFalse(off.contains("Archive") || off.contains("cds"), off);
        String unwritable = launch(root, java.util.Map.of("SAFETYNETS_CACHE", archives.get(0).resolve("under-a-file").toString()), "prove");
        assertFalse(unwritable.contains("Archive") || unwritable.contains("cds"), unwritable);
        assertTrue(unwritable.endsWith("safetynets.jar prove"), unwritable);
    }

    /**
     * Before JDK 25 the long-running commands run without tiered compilation (bin/java-env.sh: JDK 17's C2 often
     * compiles the SIMD kernels with boxed vectors under tiers); a one-shot prove keeps the tiers for its start-up.
     */
    @Test
    void longRunningCommandsCompileWithoutTiersBeforeJdk25(@TempDir Path root) throws Exception {
        scratchTree(root);
        java.util.Map<String, String> noCds = java.util.Map.of("SAFETYNETS_CDS", "off");
        Path release = root.resolve("jdk/release");
        Files.writeString(release, "JAVA_VERSION=\"17.0.15\"\nMODULES=\"java.base jdk.incubator.vector\"\n");
        for (String command : new String[] {"bench", "serve", "evaluate"}) {
            Files.createDirectories(root.resolve("engine-java/service/target/lib"));
            Files.writeString(root.resolve("engine-java/service/target/safetynets-service.jar"), "");
            String line = launch(root, noCds, command);
            assertTrue(line.contains("-XX:-TieredCompilation"), line);
            assertTrue(line.contains("--add-modules jdk.incubator.vector"), line);
        }
        for (String command : new String[] {"prove", "demo", "verify", "inspect"}) {
            String line = launch(root, noCds, command);
            assertFalse(line.contains("Tiered"), line);
        }
        Files.writeString(release, "JAVA_VERSION=\"21.0.2\"\n");
        assertTrue(launch(root, noCds, "bench").contains("-XX:-TieredCompilation"));
        Files.writeString(release, "JAVA_VERSION=\"25.0.3\"\n");
        assertFalse(launch(root, noCds, "bench").contains("Tiered"));
        Files.delete(release); // a runtime without a release file: the JVM's defaults
        assertFalse(launch(root, noCds, "bench").contains("Tiered"));
    }

    /** An argument naming an Arrow file, in any case (as the CLI's format choice lower-cases it), adds the service jars. */
    @Test
    void arrowFilesInAnyCaseRunWithTheServiceJars(@TempDir Path root) throws Exception {
        scratchTree(root);
        Files.createDirectories(root.resolve("engine-java/service/target/lib"));
        Files.writeString(root.resolve("engine-java/service/target/safetynets-service.jar"), "");
        java.util.Map<String, String> noCds = java.util.Map.of("SAFETYNETS_CDS", "off");
        for (String name : new String[] {"x.arrow", "x.ARROW", "Good.Arrow", "dir/x.aRRoW", "--outputs=y.Arrow"}) {
            String line = launch(root, noCds, "prove", "-M", "m.snm", "-D", name);
            assertTrue(line.contains("safetynets-service.jar:") && line.endsWith("org.safetynets.cli.Main prove -M m.snm -D " + name), line);
            assertTrue(line.contains("-Dorg.slf4j.simpleLogger.log.org.apache.arrow.memory.BaseAllocator=off"), line);
        }
        for (String name : new String[] {"x.json", "arrow", "x.arrows"}) {
            String line = launch(root, noCds, "prove", "-M", "m.snm", "-D", name);
            assertFalse(line.contains("safetynets-service.jar"), line);
        }
    }

    @Test
    void theMainJarPointsToTheLauncherForTrain() {
        for (String[] args : new String[][] {{"help", "train"}, {"train", "--help"}}) {
            Cli run = Cli.run(args);
            assertEquals(Main.ERROR, run.exitCode(), run::transcript);
            assertEquals(1, run.err().lines().count(), run::transcript);
            assertTrue(run.err().contains("bin/safetynets help train"), run::transcript);
        }
    }
}
