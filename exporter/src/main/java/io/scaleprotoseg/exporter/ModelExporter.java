package io.scaleprotoseg.exporter;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.Parity;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.trainer.checkpoint.CheckpointException;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.phase.GroupLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exports a trained run to one ONNX model file and proves it: the trainer's own forward pass and
 * ONNX Runtime (through the SDK) must agree on validation images within the bounds of
 * {@link Parity} (max |logit difference| &lt;= 1e-3 x max |logit|, &gt;= 99.9% identical mask
 * pixels). The figures go into the model card ({@link ModelCard#parity()}); when they miss the
 * bounds nothing is written and the export fails with both figures.
 *
 * <p>The parity check needs a runtime on the class path ({@code scaleprotoseg-runtime-ort}); the
 * exporter finds it through the SDK, without depending on it.
 */
public final class ModelExporter {
    private ModelExporter() {
    }

    /** What an export produced. */
    public record Report(Path model, ModelCard card, Parity parity) {
    }

    /**
     * Exports {@code checkpoint} to {@code out}, checking parity on the first {@code parityImages}
     * images of {@code parityData}.
     *
     * @param threshold another group-weight threshold, or null for the checkpoint's
     * @throws ExportException naming the checkpoint and tensor, or giving the parity figures
     */
    public static Report export(Path checkpoint, Path out, Double threshold, SegmentationDataset parityData, int parityImages)
            throws ExportException {
        try (NDManager manager = NDManager.newBaseManager();
                TrainedModel model = TrainedModel.load(checkpoint, manager)) {
            return export(model, out, threshold, parityData, parityImages, manager);
        } catch (CheckpointException e) {
            throw new ExportException(e.code(), e.getMessage(), e);
        }
    }

    /**
     * Exports a model already in memory (a checkpoint read back, or an imported model), checking
     * parity on the first {@code parityImages} images of {@code parityData}; the model stays open.
     *
     * @param manager the manager that owns the model's parameters (the trainer side runs in sub-managers of it)
     * @throws ExportException naming the tensor, or giving the parity figures
     */
    public static Report export(TrainedModel model, Path out, Double threshold, SegmentationDataset parityData,
            int parityImages, NDManager manager) throws ExportException {
        return export(model, ConversionSource.of(model), out, threshold, parityData, parityImages, manager);
    }

    /**
     * As {@link #export(TrainedModel, Path, Double, SegmentationDataset, int, NDManager)}, writing the
     * weights of {@code source} (the same model's, e.g. an imported model's arrays in place) while
     * {@code model} runs the trainer side of the parity check.
     */
    public static Report export(TrainedModel model, ConversionSource source, Path out, Double threshold,
            SegmentationDataset parityData, int parityImages, NDManager manager) throws ExportException {
        Path checkpoint = model.file();
        try {
            if (threshold != null && model.params().contains(GroupLayer.DENSE_GROUP_WEIGHTS)) {
                // the trainer side of the parity check must run with the same weights as the export
                float[] w = model.params().floats(GroupLayer.DENSE_GROUP_WEIGHTS);
                for (int i = 0; i < w.length; i++) {
                    if (w[i] < threshold) {
                        w[i] = 0f;
                    }
                }
                model.params().set(SegmentationNetwork.GROUP_WEIGHTS, w);
            }
            InferenceModel inference = convert(source, threshold, Map.of());
            Path dir = out.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path trial = Files.createTempFile(dir, out.getFileName().toString(), ".parity.onnx");
            try {
                InferenceGraphWriter.write(inference, trial);
                Parity parity = parity(model, trial, parityData, parityImages, manager);
                if (!parity.passed()) {
                    throw new ExportException(ErrorCode.PARITY_FAILED, "parity check failed for " + checkpoint + ": "
                            + parity.describe() + "; the model was not written", null);
                }
                Map<String, String> notes = new LinkedHashMap<>(parity.toNotes());
                if (!model.isImported()) {
                    // an imported model's training crop is unknown, and generated images say nothing about it
                    notes.put(ModelCard.TRAINING_CROP_NOTE, String.valueOf(model.config().crop()));
                }
                String validationSize = model.isImported() ? null : commonSize(parityData);
                if (validationSize != null) {
                    notes.put(ModelCard.VALIDATION_IMAGE_NOTE, validationSize);
                }
                InferenceModel stamped = convert(source, threshold, notes);
                InferenceGraphWriter.write(stamped, out);
                return new Report(out, stamped.card(), parity);
            } finally {
                Files.deleteIfExists(trial);
            }
        } catch (IOException e) {
            throw new ExportException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** "WxH" when the first images of {@code data} share one size (the common case), else null. */
    private static String commonSize(SegmentationDataset data) throws ExportException {
        String size = null;
        for (int i = 0; i < Math.min(4, data.size()); i++) {
            Sample s;
            try {
                s = data.get(i);
            } catch (DatasetException e) {
                throw new ExportException(e.code(), e.getMessage(), e);
            }
            String here = s.width() + "x" + s.height();
            if (size != null && !size.equals(here)) {
                return null;
            }
            size = here;
        }
        return size;
    }

    private static InferenceModel convert(ConversionSource model, Double threshold, Map<String, String> notes)
            throws ExportException {
        try {
            return CheckpointConverter.convert(model, threshold, notes);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ExportException(e.getMessage(), e);
        }
    }

    /** Runs both sides on the images and compares. */
    static Parity parity(TrainedModel model, Path onnx, SegmentationDataset data, int count, NDManager manager)
            throws ExportException {
        int n = Math.min(count, data.size());
        if (n < 1) {
            throw new ExportException("the parity check needs at least one validation image; " + data.name() + " has none");
        }
        SegmentationNetwork net = model.network();
        int c = net.config().numClasses();
        double maxDiff = 0;
        double maxLogit = 0;
        long same = 0;
        long pixels = 0;
        try (Segmenter seg = Segmenter.builder().model(onnx).backend(Backend.ORT_CPU).evidence(Evidence.NONE).build()) {
            JniUtils.setGradMode(false);
            for (int i = 0; i < n; i++) {
                Sample s = data.get(i);
                float[] trainerLogits;
                int fh;
                int fw;
                try (NDManager m = manager.newSubManager()) {
                    var o = net.forward(m.create(s.image(), new Shape(1, 3, s.height(), s.width())));
                    Shape ls = o.logits().getShape();
                    fh = (int) ls.get(2);
                    fw = (int) ls.get(3);
                    trainerLogits = o.logits().toFloatArray();
                }
                int[] trainerMask = new FeatureGrid(fh, fw, s.width(), s.height()).argmaxUpsampled(trainerLogits, c);
                Segmentation r = seg.segment(s.image(), s.width(), s.height());
                float[] ortLogits = r.logits();
                if (ortLogits.length != trainerLogits.length) {
                    throw new ExportException("parity check: the exported model gives " + ortLogits.length
                            + " logits for image " + s.id() + ", the trainer " + trainerLogits.length);
                }
                for (int k = 0; k < ortLogits.length; k++) {
                    maxDiff = Math.max(maxDiff, Math.abs(ortLogits[k] - trainerLogits[k]));
                    maxLogit = Math.max(maxLogit, Math.abs(trainerLogits[k]));
                }
                int[] ortMask = r.mask();
                for (int k = 0; k < ortMask.length; k++) {
                    same += ortMask[k] == trainerMask[k] ? 1 : 0;
                }
                pixels += ortMask.length;
            }
        } catch (DatasetException e) {
            throw new ExportException(e.code(), "parity check: " + e.getMessage(), e);
        } catch (ExportException e) {
            throw e;
        } catch (ScaleProtoSegException e) {
            String hint = e.code() == ErrorCode.NO_PROVIDER
                    ? "; the parity check runs the model with ONNX Runtime: put scaleprotoseg-runtime-ort on the class path"
                    : "";
            throw new ExportException(e.code(), "parity check could not run the exported model: " + e.getMessage() + hint, e);
        }
        return Parity.measured(n, maxDiff, maxLogit, pixels == 0 ? 0 : (double) same / pixels);
    }
}
