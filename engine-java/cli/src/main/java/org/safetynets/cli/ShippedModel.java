package org.safetynets.cli;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.io.IOException;
import java.io.InputStream;

/**
 * The trained MNIST model that {@code demo} uses by default: the {@code .snm} file {@code safetynets quantize}
 * wrote, kept as it is beside this class (see the README for the commands that made it). Replacing that one file
 * replaces the model; nothing here knows its layers or its accuracy. It is decoded like any user's model file,
 * strictly and with the no-overflow proof, so a damaged copy is an error, not a wrong demo.
 */
public final class ShippedModel {
    static final String RESOURCE = "mnist-cnn.snm";

    private ShippedModel() {
    }

    public static Model load(Limits limits) {
        String source = "the shipped model " + RESOURCE;
        try (InputStream in = ShippedModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new MalformedInput(source, "is missing from the class path (a build without the cli module's resources?)");
            return ModelCodec.decode(in.readAllBytes(), source, limits);
        } catch (IOException e) {
            throw new MalformedInput(source, "cannot be read: " + UserFiles.describe(e));
        }
    }
}
