package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Segmenter;
import picocli.CommandLine.Option;

/** The backend choice shared by the commands that run a model. */
final class BackendOptions {
    @Option(names = "--backend", defaultValue = "auto", converter = Converters.BackendConverter.class,
            paramLabel = "BACKEND",
            description = "auto, ort-cpu, ort-cuda or tensorrt (default: ${DEFAULT-VALUE}; auto tries tensorrt, "
                    + "then ort-cuda, then ort-cpu)")
    Backend backend;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "threads for one inference; 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    /** A builder with the backend and thread settings applied. */
    Segmenter.Builder apply(Segmenter.Builder b) {
        if (threads < 0) {
            throw new UserError("--threads must be 0 (all cores) or positive, got " + threads);
        }
        return b.backend(backend).intraOpThreads(threads);
    }
}
