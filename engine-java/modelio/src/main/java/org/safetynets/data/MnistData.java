package org.safetynets.data;

import org.safetynets.MalformedInput;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A directory in the MNIST layout ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-...}): MNIST itself or Fashion-MNIST. The directory is the one the user names; without one,
 * {@link #locateDefault()} tries {@code $SAFETYNETS_MNIST}, then {@code shared/data/mnist} beside the repository
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

    /** The default data directory if one can be found: see the class comment. */
    public static java.util.Optional<Path> locateDefault() {
        String env = System.getenv(ENVIRONMENT_VARIABLE);
        if (env != null && !env.isBlank()) return java.util.Optional.of(Path.of(env));
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                for (Path candidate : new Path[] {p.resolve("shared/data/mnist"), p.resolve("../shared/data/mnist")}) {
                    if (Files.isRegularFile(candidate.resolve("t10k-images-idx3-ubyte.gz")) || Files.isRegularFile(candidate.resolve("t10k-images-idx3-ubyte"))) {
                        return java.util.Optional.of(candidate.normalize());
                    }
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The named directory, or the default, or an error that says how to name one. */
    public static MnistData resolve(Path named) {
        if (named != null) return new MnistData(named);
        return new MnistData(locateDefault().orElseThrow(() -> new MalformedInput("--data",
                "no MNIST directory given and none found (set " + ENVIRONMENT_VARIABLE + " or pass --data DIR)")));
    }
}
