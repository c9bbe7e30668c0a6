package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.model.Layer;
import org.safetynets.model.Model;
import org.safetynets.model.ValueBounds;
import org.safetynets.proof.InputBatch;
import org.safetynets.proof.SoundnessBound;
import org.safetynets.tensor.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** What a model file holds: layers, shapes, parameters, digest, and how far each layer stays from overflow. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Prints a model's layers, shapes, parameter count and digest, and per layer the largest value "
                + "any valid input can produce and the bits to spare below the field's signed range (p-1)/2 ~ 2^60."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-M", "--model"}, required = true, paramLabel = "FILE", description = "The model (.snm).")
    Path modelPath;

    @Mixin
    LimitOptions limitOptions;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64",
            description = "Batch size for the soundness bound, which grows with the batch's bits (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Options first: an error never follows a half-printed report.
        if (batch < 1) throw new org.safetynets.MalformedInput("--batch", "must be at least 1, got " + batch);
        Limits limits = limitOptions.limits();
        Model model = Artifacts.readModel(modelPath, limits);
        // The batch only sizes the soundness bound, but a batch the limits refuse has no proof to bound.
        InputBatch.requireWithinLimits(model, batch, limits);
        List<Shape> shapes = model.shapes();
        List<ValueBounds.LayerBound> bounds =
                ValueBounds.analyze(model.input(), model.inputMin(), model.inputMax(), model.layers()).layers();

        new Format.Table().row("model", model.name())
                .row("digest", "sha256:" + Format.hex(model.digest()))
                .row("input", model.input() + ", integers in [" + model.inputMin() + ", " + model.inputMax() + "], scale "
                        + model.inputScale())
                .row("output", model.output() + ", scale " + Format.scale(model.exactOutputScale()))
                .lines("").forEach(out::println);
        out.println();

        Format.Table table = new Format.Table(true, false, false, true, true, true)
                .row("#", "layer", "output", "parameters", "max |value|", "headroom");
        long total = 0;
        for (int i = 0; i < model.layers().size(); i++) {
            Layer layer = model.layers().get(i);
            long parameters = Model.parameters(layer);
            total += parameters;
            ValueBounds.LayerBound bound = bounds.get(i);
            table.row(Integer.toString(i + 1), layer.describe(), shapes.get(i + 1).toString(), Format.count(parameters),
                    String.format(Locale.ROOT, "2^%.1f", bound.bits()),
                    String.format(Locale.ROOT, "%.1f bits", bound.headroomBits()));
        }
        table.lines("").forEach(out::println);
        out.println();
        out.println("parameters: " + Format.count(total));
        out.println("soundness at batch " + batch + ": " + SoundnessBound.of(model, batch).describe());
        return Main.OK;
    }
}
