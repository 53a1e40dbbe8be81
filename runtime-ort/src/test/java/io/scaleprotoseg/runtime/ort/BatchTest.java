package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Segmenter#segmentAll} in batches: each result equals the image segmented alone, at every
 * maxBatch, and a model whose input fixes the batch at 1 still takes a list of images.
 */
class BatchTest {
    @TempDir
    Path dir;

    @Test
    void batchedResultsEqualSingleImagesAndAFixedBatchOfOneIsHonoured() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 51), dir, "sps");
        OnnxMl.ModelProto.Builder fixed = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder();
        fixed.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0)
                .clearDimParam().setDimValue(1);
        Path batchOne = dir.resolve("batch-one.onnx");
        Files.write(batchOne, fixed.build().toByteArray());
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(ImageFixtures.rgb(TestModels.image(40, 36, 60 + i), 40, 36));
        }
        images.add(ImageFixtures.rgb(TestModels.image(48, 33, 70), 48, 33));
        List<Segmentation> single = new ArrayList<>();
        try (Segmenter one = open(model, 1)) {
            for (BufferedImage b : images) {
                single.add(one.segment(b));
            }
        }
        for (Path m : List.of(model, batchOne)) {
            for (int batch : new int[] {2, 4, 8}) {
                try (Segmenter seg = open(m, batch)) {
                    List<Segmentation> all = seg.segmentAll(images);
                    assertEquals(images.size(), all.size());
                    for (int i = 0; i < images.size(); i++) {
                        assertArrayEquals(single.get(i).mask(), all.get(i).mask(), m.getFileName() + " batch " + batch + " image " + i);
                        float[] a = single.get(i).groupActivations();
                        float[] b = all.get(i).groupActivations();
                        for (int k = 0; k < a.length; k++) {
                            assertEquals(a[k], b[k], 1e-5f * Math.max(1, Math.abs(a[k])), "group activation " + k);
                        }
                    }
                }
            }
        }
    }

    private static Segmenter open(Path model, int maxBatch) throws Exception {
        return Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).intraOpThreads(1)
                .maxBatch(maxBatch).build();
    }
}
