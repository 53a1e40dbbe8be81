package io.scaleprotoseg.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.scaleprotoseg.sdk.internal.Bilinear;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The feature grid's cell-to-pixel mapping (the nearest-centre rule, tiling the image) and its upsampling. */
class FeatureGridTest {
    @Test
    void eachPixelLiesInTheRectangleOfItsNearestCellAndTheRectanglesTileTheImage() {
        int[][] sizes = {{41, 321}, {65, 513}, {13, 96}, {7, 8}, {5, 5}, {9, 4}, {129, 1024}};
        for (int[] rs : sizes) {
            for (int[] cs : sizes) {
                FeatureGrid g = new FeatureGrid(rs[0], cs[0], cs[1], rs[1]);
                int[] owner = new int[g.imageWidth() * g.imageHeight()];
                Arrays.fill(owner, -1);
                for (int r = 0; r < g.rows(); r++) {
                    for (int c = 0; c < g.columns(); c++) {
                        int[] box = g.pixels(r, c);
                        for (int y = box[1]; y < box[3]; y++) {
                            for (int x = box[0]; x < box[2]; x++) {
                                assertEquals(-1, owner[y * g.imageWidth() + x], "pixels owned once");
                                owner[y * g.imageWidth() + x] = r * g.columns() + c;
                            }
                        }
                    }
                }
                for (int y = 0; y < g.imageHeight(); y++) {
                    for (int x = 0; x < g.imageWidth(); x++) {
                        int nearest = g.row(y) * g.columns() + g.column(x);
                        assertEquals(nearest, owner[y * g.imageWidth() + x], g + " pixel " + x + "," + y);
                        assertEquals(Bilinear.cellOf(x, g.imageWidth(), g.columns()), g.column(x), "explain's rule");
                    }
                }
            }
        }
    }

    @Test
    void upsamplingAndTheUpsampledArgmaxAgree() {
        FeatureGrid g = new FeatureGrid(3, 4, 13, 9);
        int channels = 3;
        float[] scores = new float[channels * g.cells()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = (float) Math.sin(i * 1.7);
        }
        scores[2 * g.cells() + 5] = scores[5]; // a tie between channels 0 and 2 at one cell
        int[] mask = g.argmaxUpsampled(scores, channels);
        float[][] maps = new float[channels][];
        for (int c = 0; c < channels; c++) {
            maps[c] = g.upsample(scores, c);
            assertEquals(13 * 9, maps[c].length);
        }
        for (int p = 0; p < mask.length; p++) {
            int best = 0;
            for (int c = 1; c < channels; c++) {
                if (maps[c][p] > maps[best][p]) {
                    best = c;
                }
            }
            assertEquals(best, mask[p], "pixel " + p);
        }
        // a grid the size of the image is the identity
        FeatureGrid same = new FeatureGrid(2, 3, 3, 2);
        float[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        assertArrayEquals(new float[] {7, 8, 9, 10, 11, 12}, same.upsample(v, 1));
        assertThrows(IllegalArgumentException.class, () -> same.upsample(v, 2), "only two channels");
    }

    @Test
    void centresAreInImageCoordinatesAndBadIndicesAreRejected() {
        FeatureGrid g = new FeatureGrid(41, 41, 321, 321);
        assertEquals(321.0 / 82, g.centreX(0), 1e-12);
        assertEquals(40.5 * 321 / 41, g.centreY(40), 1e-12);
        assertEquals(41 * 41, g.cells());
        assertThrows(IndexOutOfBoundsException.class, () -> g.column(321));
        assertThrows(IndexOutOfBoundsException.class, () -> g.pixels(41, 0));
        assertThrows(IllegalArgumentException.class, () -> new FeatureGrid(0, 4, 10, 10));
    }
}
