package org.safetynets.service;

import org.safetynets.Limits;
import org.safetynets.MalformedInput;
import org.safetynets.model.Model;
import org.safetynets.model.ModelCodec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models a host serves, each addressed by its name (the file name without {@code .snm}) and by its digest
 * ({@code sha256:HEX}, the digest every proof binds to). Immutable once built.
 */
final class ModelRegistry {
    /** A served model under its name. */
    record Entry(String name, Model model, String digest) {
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byReference = new LinkedHashMap<>();

    ModelRegistry(Map<String, Model> models) {
        List<Entry> list = new ArrayList<>();
        for (Map.Entry<String, Model> e : models.entrySet()) {
            Entry entry = new Entry(e.getKey(), e.getValue(), digest(e.getValue()));
            list.add(entry);
            if (byReference.putIfAbsent(entry.name(), entry) != null) throw new IllegalArgumentException("two models named " + entry.name());
            byReference.putIfAbsent(entry.digest(), entry);
        }
        this.entries = Collections.unmodifiableList(list);
    }

    static String digest(Model model) {
        return "sha256:" + HexFormat.of().formatHex(model.digest());
    }

    /** Every {@code .snm} file in {@code directory}, decoded strictly under {@code limits}, in name order. */
    static ModelRegistry load(Path directory, Limits limits) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.snm")) {
            for (Path file : stream) if (Files.isRegularFile(file)) files.add(file);
        } catch (IOException e) {
            throw new MalformedInput(directory.toString(), "cannot list the models: " + e.getMessage());
        }
        if (files.isEmpty()) throw new MalformedInput(directory.toString(), "holds no .snm model");
        Collections.sort(files);
        Map<String, Model> models = new LinkedHashMap<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new MalformedInput(file.toString(), "cannot be read: " + e.getMessage());
            }
            models.put(name.substring(0, name.length() - ".snm".length()), ModelCodec.decode(bytes, file.toString(), limits));
        }
        return new ModelRegistry(models);
    }

    List<Entry> entries() {
        return entries;
    }

    /** The model named {@code reference} (a name or {@code sha256:HEX}), or null. */
    Entry find(String reference) {
        return byReference.get(reference);
    }
}
