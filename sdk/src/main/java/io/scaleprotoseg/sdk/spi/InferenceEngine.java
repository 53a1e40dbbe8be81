package io.scaleprotoseg.sdk.spi;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.InferenceException;
import java.util.Set;

/**
 * One loaded model on one backend. Implementations must allow concurrent {@link #run} calls from
 * many threads; the SDK guarantees that {@link #close()} is not called while a run is in flight.
 */
public interface InferenceEngine extends AutoCloseable {
    /** The concrete backend (never {@link Backend#AUTO}). */
    Backend backend();

    /** A human-readable account: runtime and version, device, threads, cache use. */
    String description();

    /**
     * Runs the model on a batch and copies back exactly the requested outputs.
     *
     * @throws InferenceException when the runtime fails
     */
    EngineResult run(InputBatch input, Set<ModelOutput> outputs) throws InferenceException;

    /** Frees native resources. Idempotent. */
    @Override
    void close();
}
