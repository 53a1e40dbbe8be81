package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Frozen batch-norm calibration in micro-batches: the same statistics as all at once, in bounded memory. */
class BatchNormCalibrationTest extends DjlTestBase {
    private static NetworkConfig net(ResNetLayout.Depth depth, int divisor) {
        return NetworkConfig.builder(ModelKind.PROTOSEG, 3).depth(depth).widthDivisor(divisor).dilations(new int[] {6})
                .prototypesPerClass(2).dim(4).build();
    }

    private static float[] crops(int n, int side, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * side * side];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    private float[][] calibrated(NetworkConfig cfg, float[] pixels, int n, int side, int microBatch) {
        try (ParameterSet p = new ParameterSet(manager); NDManager m = manager.newSubManager()) {
            Initialization.create(cfg, p, 11);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            JniUtils.setGradMode(false);
            net.calibrateBatchNorm(m.create(pixels, new Shape(n, 3, side, side)), microBatch);
            List<BackboneOp.Conv> convs = BackboneOp.convs(cfg.backbone());
            float[][] stats = new float[2 * convs.size()][];
            for (int i = 0; i < convs.size(); i++) {
                stats[2 * i] = p.floats("backbone." + convs.get(i).bn() + ".running_mean");
                stats[2 * i + 1] = p.floats("backbone." + convs.get(i).bn() + ".running_var");
            }
            return stats;
        }
    }

    @Test
    void microBatchesGiveTheStatisticsOfAllCropsAtOnce() {
        NetworkConfig cfg = net(ResNetLayout.Depth.R50, 16);
        int n = 6;
        int side = 65;
        float[] pixels = crops(n, side, 1);
        float[][] all = calibrated(cfg, pixels, n, side, n);
        for (int mb : new int[] {1, 4}) {
            float[][] streamed = calibrated(cfg, pixels, n, side, mb);
            // the sums are float64; what differs is libtorch's float32 convolution of a batch of 1, 4 or 6
            // crops (other kernels, other rounding), carried through the layers
            for (int k = 0; k < all.length; k += 2) {
                for (int c = 0; c < all[k].length; c++) {
                    double sd = Math.sqrt(all[k + 1][c]);
                    assertEquals(all[k][c], streamed[k][c], 1e-4 * sd, "mean " + k / 2 + " channel " + c + ", micro-batches of " + mb);
                    assertEquals(all[k + 1][c], streamed[k + 1][c], 1e-4 * all[k + 1][c],
                            "variance " + k / 2 + " channel " + c + ", micro-batches of " + mb);
                }
            }
        }
    }

    @Test
    void theStemIsNormalisedOverTheCalibrationCrops() {
        NetworkConfig cfg = net(ResNetLayout.Depth.R18, 8);
        int n = 5;
        int side = 49;
        float[] pixels = crops(n, side, 2);
        try (ParameterSet p = new ParameterSet(manager); NDManager m = manager.newSubManager()) {
            Initialization.create(cfg, p, 3);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            JniUtils.setGradMode(false);
            NDArray x = m.create(pixels, new Shape(n, 3, side, side));
            net.calibrateBatchNorm(x, 2);
            // the stem's raw output over the crops, normalised with the calibrated statistics: mean 0, variance 1
            NDArray mean = m.create(SegmentationNetwork.MEAN, new Shape(1, 3, 1, 1));
            NDArray std = m.create(SegmentationNetwork.STD, new Shape(1, 3, 1, 1));
            NDArray raw = Conv2d.conv2d(x.sub(mean).div(std), p.get("backbone.conv1.weight"), null, new Shape(2, 2),
                    new Shape(3, 3), new Shape(1, 1), 1).singletonOrThrow();
            float[] mu = p.floats("backbone.bn1.running_mean");
            float[] var = p.floats("backbone.bn1.running_var");
            NDArray z = raw.sub(m.create(mu, new Shape(1, mu.length, 1, 1))).div(m.create(var, new Shape(1, var.length, 1, 1)).sqrt());
            NDArray perChannel = z.transpose(1, 0, 2, 3).reshape(mu.length, -1);
            float[] zm = perChannel.mean(new int[] {1}).toFloatArray();
            float[] zv = perChannel.square().mean(new int[] {1}).toFloatArray();
            for (int c = 0; c < zm.length; c++) {
                assertEquals(0, zm[c], 1e-4, "channel " + c + " mean");
                assertEquals(1, zv[c], 1e-3, "channel " + c + " variance");
            }
        }
    }

    /**
     * Peak resident memory of calibration grows with the number of crops only by the frontier (a
     * few layers' outputs), not by the whole forward pass: measured with the kernel's high-water
     * mark, reset before each run (Linux; skipped elsewhere).
     */
    @Test
    void memoryGrowsByTheFrontierNotByTheDepth() throws IOException {
        Path clear = Path.of("/proc/self/clear_refs");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(clear), "needs Linux's /proc/self/clear_refs");
        NetworkConfig cfg = net(ResNetLayout.Depth.R50, 8);
        int side = 161;
        long[] growth = new long[2];
        int[] counts = {4, 16};
        calibrated(cfg, crops(2, side, 9), 2, side, 2);
        for (int i = 0; i < 2; i++) {
            float[] pixels = crops(counts[i], side, 3);
            System.gc();
            long before = rss();
            Files.writeString(clear, "5");
            calibrated(cfg, pixels, counts[i], side, 2);
            growth[i] = hwm() - before;
        }
        // one output of the widest layer (the stem's 8 x 81 x 81, or a stage's 4x-wide output) per crop
        long frontierPerCrop = 4L * (8 * 81 * 81 + 2 * 32 * 41 * 41 + 256 * 21 * 21);
        long extra = growth[1] - growth[0];
        System.out.printf("calibration peak growth: %d crops %.1f MB, %d crops %.1f MB%n", counts[0], growth[0] / 1e6, counts[1],
                growth[1] / 1e6);
        // the whole forward pass of 12 more crops raised it by about 675 MB (measured with the first version)
        assertTrue(extra < 12 * frontierPerCrop * 6 + (64L << 20), "12 more crops raised the peak by " + extra / 1e6
                + " MB; the frontier of 12 crops is about " + 12 * frontierPerCrop / 1e6 + " MB");
    }

    private static long rss() throws IOException {
        return status("VmRSS:");
    }

    private static long hwm() throws IOException {
        return status("VmHWM:");
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IOException("no " + key + " in /proc/self/status");
    }
}
