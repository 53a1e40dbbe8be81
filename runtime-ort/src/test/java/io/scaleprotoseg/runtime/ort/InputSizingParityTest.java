package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.ReferenceForward;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under a resizing policy the network sees the bilinearly resized image, and every result comes
 * back in the original image's coordinates: the mask is the argmax of the feature-grid scores
 * upsampled straight to the original size.
 */
class InputSizingParityTest {
    @TempDir
    Path dir;

    @Test
    void fixedSizeResultsAreInOriginalCoordinates() throws Exception {
        int w = 61;
        int h = 45;
        InferenceModel model = TestModels.model(ModelKind.SCALEPROTOSEG, 71);
        Path file = TestModels.write(model, dir, "sps");
        float[] img = TestModels.image(w, h, 3);

        ReferenceForward.Map3 resized = ReferenceForward.resize(new ReferenceForward.Map3(toDouble(img), 3, h, w), 40, 48,
                Double.NaN);
        float[] small = new float[resized.data().length];
        for (int i = 0; i < small.length; i++) {
            small[i] = (float) resized.data()[i];
        }
        ReferenceForward.Result ref = ReferenceForward.run(model, small, 40, 48);
        ReferenceForward.Map3 scores = ReferenceForward.resize(ref.logits(), h, w, Double.NaN);

        try (Segmenter seg = Segmenter.builder().model(file).backend(Backend.ORT_CPU).evidence(Evidence.FULL)
                .inputSizing(InputSizing.fixed(48, 40)).build()) {
            Segmentation s = seg.segment(img, w, h);
            assertEquals(w, s.width());
            assertEquals(h, s.height());
            assertEquals(48, s.networkWidth());
            assertEquals(40, s.networkHeight());
            OrtParityTest.assertClose("logits", s.logits(), ref.logits().data());
            int[] mask = s.mask();
            assertEquals(w * h, mask.length);
            int differing = 0;
            double scale = 0;
            for (double v : scores.data()) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < w * h; i++) {
                int best = 0;
                for (int c = 1; c < scores.channels(); c++) {
                    if (scores.data()[c * w * h + i] > scores.data()[best * w * h + i]) {
                        best = c;
                    }
                }
                if (best != mask[i]) {
                    differing++;
                    assertTrue(Math.abs(scores.data()[best * w * h + i] - scores.data()[mask[i] * w * h + i]) <= 1e-4 * scale,
                            "mask differs from the upsampled scores at pixel " + i);
                }
            }
            assertTrue(differing <= 2, differing + " tie pixels");
            assertEquals(s.classAt(60, 44), s.explain(60, 44).classId());
            assertEquals(w * h, s.groupMap(0, 0).length, "heat maps in original coordinates");
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
