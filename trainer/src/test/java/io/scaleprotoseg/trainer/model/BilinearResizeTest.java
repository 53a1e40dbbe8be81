package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.trainer.DjlTestBase;
import org.junit.jupiter.api.Test;

/** Bilinear resizing by interpolation matrices: half-pixel, clamped, no antialiasing. */
class BilinearResizeTest extends DjlTestBase {
    @Test
    void upsamplingMatchesTheSdksHalfPixelBilinear() {
        float[] src = {1, 2, 3, 4, 5, 6};
        NDArray x = manager.create(src, new Shape(1, 1, 2, 3));
        float[] out = BilinearResize.resize(x, 5, 7, Double.NaN).toFloatArray();
        assertArrayEquals(new FeatureGrid(2, 3, 7, 5).upsample(src, 0), out, 1e-6f);
    }

    @Test
    void downsamplingByHalfAveragesPairsWithoutAntialiasing() {
        // scale 0.5 on 4 values: source = (o + 0.5) * 2 - 0.5 = 0.5 and 2.5 -> (1+2)/2 and (3+4)/2
        NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 1, 4));
        assertArrayEquals(new float[] {1.5f, 3.5f}, BilinearResize.resize(x, 1, 2, 0.5).toFloatArray(), 1e-6f);
        // scale 0.25 on 8 values: source 1.5 and 5.5 -> 2.5 and 6.5 (an antialiasing filter would average 4 values)
        NDArray y = manager.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(1, 1, 1, 8));
        assertArrayEquals(new float[] {2.5f, 6.5f}, BilinearResize.resize(y, 1, 2, 0.25).toFloatArray(), 1e-6f);
    }

    @Test
    void rowsOfTheInterpolationMatrixSumToOne() {
        float[] r = BilinearResize.matrix(7, 3, 0.5);
        for (int o = 0; o < 3; o++) {
            double s = 0;
            for (int i = 0; i < 7; i++) {
                s += r[o * 7 + i];
            }
            assertEquals(1, s, 1e-6);
        }
    }
}
