package io.scaleprotoseg.sdk.spi;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ModelFormatException;
import java.util.Set;

/**
 * Service-provider interface of a runtime module, registered in
 * {@code META-INF/services/io.scaleprotoseg.sdk.spi.BackendProvider} and found with
 * {@link java.util.ServiceLoader}. Providers must have a public no-argument constructor and must
 * not load native libraries until {@link #open} is called, so that merely listing providers never
 * fails.
 */
public interface BackendProvider {
    /** The concrete backends this provider can open (never {@link Backend#AUTO}). */
    Set<Backend> backends();

    /** The Maven coordinates a user adds to get this provider, for messages. */
    String artifact();

    /**
     * Opens the model on a backend.
     *
     * @throws BackendUnavailableException when this host cannot run the backend; the message
     *     quotes the runtime's reason (e.g. the missing shared library) and says what to install
     * @throws ModelFormatException when the runtime rejects the model file
     */
    InferenceEngine open(Backend backend, EngineConfig config) throws BackendUnavailableException, ModelFormatException;
}
