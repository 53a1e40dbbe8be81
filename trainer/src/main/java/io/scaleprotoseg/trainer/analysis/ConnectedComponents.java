package io.scaleprotoseg.trainer.analysis;

import static org.bytedeco.opencv.global.opencv_core.CV_32S;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgproc.CC_STAT_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.connectedComponentsWithStats;

import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.IntIndexer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Connected components of a binary map with 8-connectivity (METHOD.md 5), computed by OpenCV's
 * {@code connectedComponentsWithStats} through the org.bytedeco presets. Thread-safe (no shared
 * state; native memory is freed before returning).
 */
public final class ConnectedComponents {
    private ConnectedComponents() {
    }

    /**
     * The components of the pixels that are on.
     *
     * @param areas pixels per component
     * @param centroids x, y of each component (component i at [2i], [2i+1])
     */
    public record Result(int count, int[] areas, double[] centroids) {
        /** Mean component area (0 without components). */
        public double meanArea() {
            if (count == 0) {
                return 0;
            }
            long s = 0;
            for (int a : areas) {
                s += a;
            }
            return (double) s / count;
        }
    }

    /** Labels {@code on} (row-major, width x height). */
    public static Result of(boolean[] on, int width, int height) {
        if (on.length != width * height) {
            throw new IllegalArgumentException("map has " + on.length + " values, not " + width + "x" + height);
        }
        try (Mat image = new Mat(height, width, CV_8UC1); Mat labels = new Mat(); Mat stats = new Mat();
                Mat centroids = new Mat()) {
            try (UByteIndexer px = image.createIndexer()) {
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        px.put(y, x, on[y * width + x] ? 255 : 0);
                    }
                }
            }
            int n = connectedComponentsWithStats(image, labels, stats, centroids, 8, CV_32S);
            int count = n - 1;
            int[] areas = new int[count];
            double[] c = new double[2 * count];
            try (IntIndexer st = stats.createIndexer(); DoubleIndexer ce = centroids.createIndexer()) {
                for (int i = 1; i < n; i++) {
                    areas[i - 1] = st.get(i, CC_STAT_AREA);
                    c[2 * (i - 1)] = ce.get(i, 0);
                    c[2 * (i - 1) + 1] = ce.get(i, 1);
                }
            }
            return new Result(count, areas, c);
        }
    }
}
