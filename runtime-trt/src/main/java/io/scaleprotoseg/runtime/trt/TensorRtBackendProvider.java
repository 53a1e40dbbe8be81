package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.InferenceException;
import io.scaleprotoseg.sdk.ModelFormatException;
import io.scaleprotoseg.sdk.spi.BackendProvider;
import io.scaleprotoseg.sdk.spi.EngineConfig;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import java.util.EnumSet;
import java.util.Set;

/**
 * Opens models on TensorRT ({@link Backend#TENSORRT}). Stateless; thread-safe. Listing the
 * provider loads nothing; {@link #open} loads the natives (once per JVM) and says exactly what is
 * missing when they or the GPU are not there. See the package documentation for the options.
 */
public final class TensorRtBackendProvider implements BackendProvider {
    @Override
    public Set<Backend> backends() {
        return EnumSet.of(Backend.TENSORRT);
    }

    @Override
    public String artifact() {
        return "io.scaleprotoseg:scaleprotoseg-runtime-trt";
    }

    @Override
    public InferenceEngine open(Backend backend, EngineConfig config) throws BackendUnavailableException, ModelFormatException {
        if (backend != Backend.TENSORRT) {
            throw new IllegalArgumentException("the TensorRT provider serves tensorrt, not " + backend.cliName());
        }
        TrtOptions opts = TrtOptions.parse(config.options(), config.optimizedModelCache());
        TensorRtEngines.Loaded loaded = TensorRtEngines.load(config.model(), opts);
        String description = "TensorRT " + loaded.gpu().tensorRtVersion() + " on " + loaded.gpu().describe() + "; "
                + opts.summary() + "; " + loaded.origin() + "; up to " + opts.contexts() + " execution context"
                + (opts.contexts() == 1 ? "" : "s");
        try {
            return new TrtEngine(loaded.engine(), loaded.gpu(), opts, description);
        } catch (InferenceException e) {
            throw new ModelFormatException(ErrorCode.CONTRACT_VIOLATION, e.getMessage() + " (model " + config.model() + ")",
                    e);
        }
    }
}
