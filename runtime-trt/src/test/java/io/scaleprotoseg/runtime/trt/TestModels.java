package io.scaleprotoseg.runtime.trt;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Small random models written to disk, and test images with structure (as in runtime-ort's tests). */
final class TestModels {
    private TestModels() {
    }

    static Path write(ModelKind kind, long seed, Path dir, String name) {
        Path p = dir.resolve(name + ".onnx");
        try {
            InferenceGraphWriter.write(RandomModels.build(RandomModels.Spec.small(kind, seed)), p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** RGB in 0..1, CHW, with structure (the exporter's shared test images). */
    static float[] image(int width, int height, long seed) {
        return GeneratedImages.image(width, height, seed);
    }
}
