package io.scaleprotoseg.runtime.ort;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.GeneratedImages;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** Small random models written to disk, and test images with structure. */
final class TestModels {
    private TestModels() {
    }

    static RandomModels.Spec spec(ModelKind kind, long seed, List<Double> msc) {
        RandomModels.Spec s = RandomModels.Spec.small(kind, seed);
        return new RandomModels.Spec(s.kind(), s.classes(), s.dilations(), s.prototypesPerClass(), s.groupsPerClass(),
                s.dim(), s.width(), s.residualBlocks(), msc, seed);
    }

    static InferenceModel model(ModelKind kind, long seed) {
        return RandomModels.build(spec(kind, seed, List.of()));
    }

    static Path write(InferenceModel model, Path dir, String name) {
        Path p = dir.resolve(name + ".onnx");
        try {
            InferenceGraphWriter.write(model, p);
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
