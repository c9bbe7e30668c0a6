package org.safetynets.service;

import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Admits a call only with {@code authorization: Bearer TOKEN}, the host's token. The comparison is of SHA-256
 * digests with {@link MessageDigest#isEqual}, which takes the same time wherever the first difference lies, and
 * comparing digests hides the token's length too.
 */
final class BearerTokenAuthenticator implements CallHeaderAuthenticator {
    private final byte[] tokenDigest;

    BearerTokenAuthenticator(String token) {
        if (token.isEmpty()) throw new IllegalArgumentException("empty token");
        this.tokenDigest = sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public AuthResult authenticate(CallHeaders headers) {
        String value = headers.get(Auth2Constants.AUTHORIZATION_HEADER);
        if (value == null || !value.startsWith(Auth2Constants.BEARER_PREFIX)) {
            throw CallStatus.UNAUTHENTICATED.withDescription("this host requires a bearer token (--token-file)").toRuntimeException();
        }
        byte[] given = sha256(value.substring(Auth2Constants.BEARER_PREFIX.length()).getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(given, tokenDigest)) {
            throw CallStatus.UNAUTHENTICATED.withDescription("the bearer token is not this host's").toRuntimeException();
        }
        return () -> "token";
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
