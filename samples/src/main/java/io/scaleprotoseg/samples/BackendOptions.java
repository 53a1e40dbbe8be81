package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.Segmenter;
import picocli.CommandLine.Option;

/** The backend choice shared by the commands that run a model, with its thread count. */
final class BackendOptions extends BackendChoice {
    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "threads for one inference; 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    /** A builder with the backend, thread and engine settings applied. */
    Segmenter.Builder apply(Segmenter.Builder b) {
        return apply(b, threads);
    }
}
