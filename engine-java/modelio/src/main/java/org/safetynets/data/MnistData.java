package org.safetynets.data;

import org.safetynets.MalformedInput;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A directory in the MNIST layout ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-...}): MNIST itself or Fashion-MNIST. The directory is the one the user names; without one,
 * {@link Lookup#locate()} tries {@code $SAFETYNETS_MNIST}, then {@code shared/data/mnist} beside the repository
 * (the {@code ../shared/data/mnist} of the README), looked for from the working directory upwards.
 */
public final class MnistData {
    public static final String ENVIRONMENT_VARIABLE = "SAFETYNETS_MNIST";
    public static final String FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

    private final Path directory;

    public MnistData(Path directory) {
        if (!Files.isDirectory(directory)) throw new MalformedInput(directory.toString(), "is not a directory (expected the MNIST idx files)");
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    public LabeledImages train() {
        return read("train");
    }

    public LabeledImages test() {
        return read("t10k");
    }

    private LabeledImages read(String prefix) {
        return Idx.read(file(prefix + "-images-idx3-ubyte"), file(prefix + "-labels-idx1-ubyte"));
    }

    private Path file(String stem) {
        for (String name : new String[] {stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")}) {
            Path p = directory.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        throw new MalformedInput(directory.resolve(stem + ".gz").toString(), "no such file (nor " + stem + " uncompressed)");
    }

    /** The default data directory if one can be found, from this process's environment and working directory. */
    public static Optional<Path> locateDefault() {
        return Lookup.system().locate();
    }

    /** The named directory, or the default, or an error that says how to name one. */
    public static MnistData resolve(Path named) {
        return resolve(named, Lookup.system());
    }

    /** The named directory, or the one {@code lookup} finds, or an error that says how to name one. */
    public static MnistData resolve(Path named, Lookup lookup) {
        if (named != null) return new MnistData(named);
        return new MnistData(lookup.locate().orElseThrow(() -> new MalformedInput("--data",
                "no MNIST directory given and none found (set " + ENVIRONMENT_VARIABLE + " or pass --data DIR)")));
    }

    /**
     * Where the default directory is looked for: an environment (for {@code $SAFETYNETS_MNIST}) and a working
     * directory to search upwards from. A value rather than {@code System.getenv} read inside, so a caller (a test)
     * can look somewhere else, or nowhere, without touching the process's state.
     */
    public record Lookup(Map<String, String> environment, Path workingDirectory) {
        public Lookup {
            environment = Map.copyOf(environment);
            workingDirectory = workingDirectory.toAbsolutePath();
        }

        public static Lookup system() {
            return new Lookup(System.getenv(), Path.of(""));
        }

        /** {@code $SAFETYNETS_MNIST} if set, else the first {@code shared/data/mnist} holding the test images, upwards. */
        public Optional<Path> locate() {
            String env = environment.get(ENVIRONMENT_VARIABLE);
            if (env != null && !env.isBlank()) return Optional.of(Path.of(env));
            for (Path p = workingDirectory; p != null; p = p.getParent()) {
                for (Path candidate : new Path[] {p.resolve("shared/data/mnist"), p.resolve("../shared/data/mnist")}) {
                    if (Files.isRegularFile(candidate.resolve("t10k-images-idx3-ubyte.gz")) || Files.isRegularFile(candidate.resolve("t10k-images-idx3-ubyte"))) {
                        return Optional.of(candidate.normalize());
                    }
                }
            }
            return Optional.empty();
        }
    }
}
