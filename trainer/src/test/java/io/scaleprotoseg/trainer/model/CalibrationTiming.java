package io.scaleprotoseg.trainer.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.Random;

/** Not a test: seconds of batch-norm calibration against plain forward passes of the same crops (run by hand). */
public final class CalibrationTiming {
    private CalibrationTiming() {
    }

    public static void main(String[] args) {
        int crops = Integer.parseInt(args[0]);
        int side = Integer.parseInt(args[1]);
        int mb = Integer.parseInt(args[2]);
        NetworkConfig cfg = NetworkConfig.builder(ModelKind.SCALEPROTOSEG, 19).build();
        float[] x = new float[crops * 3 * side * side];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        try (NDManager base = NDManager.newBaseManager(); ParameterSet p = new ParameterSet(base)) {
            Initialization.create(cfg, p, 1);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            JniUtils.setGradMode(false);
            for (int rep = 0; rep < 2; rep++) {
                long t0 = System.nanoTime();
                try (NDManager m = base.newSubManager()) {
                    net.calibrateBatchNorm(m.create(x, new Shape(crops, 3, side, side)), mb);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < crops; i += mb) {
                    try (NDManager m = base.newSubManager()) {
                        float[] part = java.util.Arrays.copyOfRange(x, i * 3 * side * side, Math.min(crops, i + mb) * 3 * side * side);
                        net.backbone(net.config().backbone(), m.create(part, new Shape(Math.min(mb, crops - i), 3, side, side)));
                    }
                }
                long t2 = System.nanoTime();
                System.out.printf("calibration %.1f s, backbone forward of the same crops %.1f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
            }
        }
    }
}
