package org.safetynets.service;

import org.safetynets.MalformedInput;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A bearer token file: one line of printable ASCII (a trailing newline is dropped), at most 4 KiB. */
final class TokenFiles {
    private TokenFiles() {
    }

    static String read(Path path) {
        if (path == null) return null;
        byte[] bytes;
        try {
            if (Files.size(path) > 4096) throw new MalformedInput(path.toString(), "a token file is at most 4096 bytes");
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new MalformedInput(path.toString(), "cannot be read: " + e.getMessage());
        }
        String token = new String(bytes, StandardCharsets.US_ASCII).strip();
        if (token.isEmpty()) throw new MalformedInput(path.toString(), "the token file is empty");
        for (char c : token.toCharArray()) {
            if (c < 0x21 || c > 0x7e) throw new MalformedInput(path.toString(), "the token must be one line of printable ASCII");
        }
        return token;
    }
}
