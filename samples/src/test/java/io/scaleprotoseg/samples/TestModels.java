package io.scaleprotoseg.samples;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.samples.quickstart.ColourPrototypeModel;
import io.scaleprotoseg.samples.quickstart.StreetScenes;
import io.scaleprotoseg.sdk.ModelKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Model files and images for the command tests. */
final class TestModels {
    private TestModels() {
    }

    /** The quick-start's hand-specified colour model. */
    static Path colourModel(Path dir) throws IOException {
        Path p = dir.resolve("colour.onnx");
        InferenceGraphWriter.write(ColourPrototypeModel.build(), p);
        return p;
    }

    /** A small random model of the given kind. */
    static Path random(Path dir, ModelKind kind) throws IOException {
        Path p = dir.resolve(kind.id() + ".onnx");
        InferenceGraphWriter.write(RandomModels.build(RandomModels.Spec.small(kind, 1)), p);
        return p;
    }

    /** A black-box model with 300 classes: its masks need 16 bits. */
    static Path manyClasses(Path dir) throws IOException {
        Path p = dir.resolve("many-classes.onnx");
        InferenceGraphWriter.write(RandomModels.build(new RandomModels.Spec(ModelKind.DEEPLABV2, 300, new int[] {1, 2, 3, 4},
                2, 2, 8, 8, 1, List.of(), 5)), p);
        return p;
    }

    /** A generated street scene (320x240, seed 11) written as PNG. */
    static StreetScenes.Scene scene(Path file, long seed) throws IOException {
        StreetScenes.Scene s = StreetScenes.generate(seed, 1, 320, 240).get(0);
        Png.write(s.image(), file);
        return s;
    }
}
