package io.scaleprotoseg.exporter;

import ai.djl.ndarray.NDManager;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.data.Palettes;
import io.scaleprotoseg.trainer.data.Scenes;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.data.Split;
import io.scaleprotoseg.trainer.imports.ImportException;
import io.scaleprotoseg.trainer.imports.ReferenceModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a checkpoint of the reference PyTorch implementation ({@link ReferenceModel}) into this
 * project's model file, through the same writer, card and parity check as {@link ModelExporter}:
 * the trainer's forward pass (on DJL) and ONNX Runtime must agree on generated images, or nothing is
 * written. The card records the source file, its SHA-256, the reference class and that the model
 * was imported; its prototypes have no projection sources or patches.
 */
public final class ModelImporter {
    /** Side of the generated parity images (width; height is 3/4 of it). */
    public static final int PARITY_IMAGE_WIDTH = 192;

    private ModelImporter() {
    }

    /** What an import produced. */
    public record Report(ReferenceModel source, ModelExporter.Report export, double readSeconds) {
    }

    /**
     * Generic class names ("class 0", ...) with generated colours, for a model imported without
     * {@code --classes}.
     */
    public static LabelSpace genericClasses(int numClasses) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            names.add("class " + i);
        }
        return new LabelSpace(Palettes.classes(names, Palettes.generated(numClasses)), 255);
    }

    /**
     * Imports {@code checkpoint} to {@code out}.
     *
     * @param labels the classes the model was trained on, or null for generic names
     * @param threshold a group-weight threshold to apply (group models), or null to keep the weights as found
     * @param parityImages generated images of the parity check
     * @throws ImportException when the file cannot be read or is not a model import converts
     * @throws ExportException when the model cannot be written or fails the parity check
     */
    public static Report importCheckpoint(Path checkpoint, LabelSpace labels, Double threshold, Path out, int parityImages)
            throws ImportException, ExportException {
        long t0 = System.nanoTime();
        ReferenceModel ref = ReferenceModel.read(checkpoint);
        double readSeconds = (System.nanoTime() - t0) / 1e9;
        if (ref.network().method() == ModelKind.SCALEPROTOSEG && !ref.grouped()) {
            throw new ImportException("checkpoint " + checkpoint + " is a " + ref.description() + " (no groups); a model file "
                    + "holds a ScaleProtoSeg model with its group layer. Learn the groups in Java with 'scaleprotoseg train "
                    + "--stage2-from " + checkpoint.getFileName() + " ...', then export the run");
        }
        if (threshold != null && !ref.grouped()) {
            throw new ImportException("--threshold applies to the group weights of a ScaleProtoSeg group model; " + checkpoint
                    + " is a " + ref.description());
        }
        LabelSpace classes = labels != null ? labels : genericClasses(ref.network().numClasses());
        int h = PARITY_IMAGE_WIDTH * 3 / 4;
        SegmentationDataset images = Scenes.defaults().withSize(PARITY_IMAGE_WIDTH, h).withCounts(0, parityImages, 0)
                .dataset(Split.VAL);
        try (NDManager manager = NDManager.newBaseManager();
                TrainedModel model = ref.toTrainedModel(classes, manager)) {
            return new Report(ref, ModelExporter.export(model, ConversionSource.of(ref, classes), out, threshold, images, parityImages,
                    manager), readSeconds);
        }
    }

}
