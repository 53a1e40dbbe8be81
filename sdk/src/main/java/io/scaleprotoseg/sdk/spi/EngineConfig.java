package io.scaleprotoseg.sdk.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link BackendProvider} needs to open an engine.
 *
 * @param model the ONNX file (already validated against the model contract by the SDK)
 * @param intraOpThreads threads for one inference; 0 lets the backend choose (all cores)
 * @param optimizedModelCache where a backend may cache its optimised form of the model
 *     (ONNX Runtime: the optimised graph; TensorRT: the engine); null for no cache
 * @param options backend-specific settings (documented by each provider); never null
 */
public record EngineConfig(Path model, int intraOpThreads, Path optimizedModelCache, Map<String, String> options) {
    public EngineConfig {
        Objects.requireNonNull(model, "model");
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
        }
        options = options == null ? Map.of() : Map.copyOf(options);
    }
}
