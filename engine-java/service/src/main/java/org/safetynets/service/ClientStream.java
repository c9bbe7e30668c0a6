package org.safetynets.service;

import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.safetynets.MalformedInput;

import java.lang.reflect.Field;

/**
 * The host's reads of a client's stream, refusing a second schema. A client sends one schema, its input batch's;
 * after the batch only metadata frames (challenges, its verdict). Arrow's {@code FlightStream} (19.0.0) takes a second
 * schema silently: it makes a root for it and loads every later batch into that root, while {@code getRoot()} goes on
 * returning the first one, and on close it frees only the new root. Nothing public tells the two apart (a batch loaded
 * into the new root clears the first, as a metadata-only message does), so a batch after a second schema would pass
 * for a challenge, and the input left in the first root would never be freed. The root the stream now loads into is
 * its private field {@code fulfilledRoot}, read here; the host refuses to start if Arrow has none
 * ({@link #requireSupported}).
 */
final class ClientStream {
    private static final String CURRENT_ROOT_FIELD = "fulfilledRoot";
    private static final Field CURRENT_ROOT = currentRootField();

    private ClientStream() {
    }

    private static Field currentRootField() {
        try {
            Field field = FlightStream.class.getDeclaredField(CURRENT_ROOT_FIELD);
            field.setAccessible(true);
            return field.getType() == VectorSchemaRoot.class ? field : null;
        } catch (NoSuchFieldException | RuntimeException e) {
            return null;
        }
    }

    /** Throws unless this Arrow's streams can be checked for a second schema (called once, before the host listens). */
    static void requireSupported() {
        if (CURRENT_ROOT == null) {
            throw new IllegalStateException("this Arrow's FlightStream has no field " + CURRENT_ROOT_FIELD
                    + " (the host is built for Arrow 19.0.0): a client's second schema cannot be refused");
        }
    }

    /**
     * The client's next message, as {@link FlightStream#next()}: false at the end of its stream. MalformedInput if it
     * sent a second schema with or before it (or before the end).
     */
    static boolean next(FlightStream client) {
        boolean more = client.next();
        if (secondSchema(client)) {
            throw new MalformedInput("client", "sent a second schema mid-session: after its input batch a client sends only challenge and verdict frames");
        }
        return more;
    }

    /** Whether a second schema has reached the stream: the root it loads into is no longer the one getRoot() returns. */
    static boolean secondSchema(FlightStream stream) {
        if (!stream.hasRoot()) return false;
        try {
            return CURRENT_ROOT.get(stream) != stream.getRoot();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Frees the stream's first root, once the call has ended and the stream is closed: after a second schema Arrow
     * frees only the new one. Closing a root twice is harmless, so this runs whether or not one came.
     */
    static void closeFirstRoot(FlightStream stream) {
        if (!stream.hasRoot()) return;
        try {
            stream.getRoot().close();
        } catch (RuntimeException e) {
            // the call failed before any schema came: there is no root to free
        }
    }
}
