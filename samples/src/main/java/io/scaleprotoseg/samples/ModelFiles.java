package io.scaleprotoseg.samples;

import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelFormatException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a model's card without opening a backend. */
final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * The validated card of {@code model}.
     *
     * <p>Without opening a backend: {@code info} and the evidence defaults of {@code segment}
     * need the card first. The whole model contract is checked, as when a segmenter is built.
     *
     * @param option the command-line option that named the file, for messages
     * @throws UserError when the file does not exist
     * @throws ModelFormatException when it breaks the model contract
     */
    static ModelCard readCard(Path model, String option) throws ModelFormatException {
        if (Files.isDirectory(model)) {
            throw new UserError(option + " " + model + " is a directory; give an exported .onnx model file");
        }
        if (!Files.isRegularFile(model)) {
            throw new UserError(option + " " + model + ": no such model file (expected an exported .onnx file)");
        }
        return ModelCard.read(model);
    }
}
