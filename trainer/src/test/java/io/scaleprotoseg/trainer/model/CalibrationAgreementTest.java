package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.phase.Presets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streamed calibration against the plain definition (all crops at once, float32, each layer
 * normalised with its new statistics before the next): the same statistics.
 */
class CalibrationAgreementTest extends DjlTestBase {
    @Test
    void streamedStatisticsEqualThePlainDefinition() {
        NetworkConfig cfg = Presets.get("scenes", ModelKind.SCALEPROTOSEG).network();
        int n = 16;
        int side = 96;
        float[] x = new float[n * 3 * side * side];
        Random r = new Random(4);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        float[][] plain;
        float[][] streamed;
        try (ParameterSet p = new ParameterSet(manager); NDManager m = manager.newSubManager()) {
            Initialization.create(cfg, p, 5);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            JniUtils.setGradMode(false);
            NDArray in = m.create(x, new Shape(n, 3, side, side));
            NDArray norm = in.sub(m.create(SegmentationNetwork.MEAN, new Shape(1, 3, 1, 1)))
                    .div(m.create(SegmentationNetwork.STD, new Shape(1, 3, 1, 1)));
            plain(net, cfg.backbone(), norm);
            plain = stats(cfg, p);
        }
        try (ParameterSet p = new ParameterSet(manager); NDManager m = manager.newSubManager()) {
            Initialization.create(cfg, p, 5);
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            JniUtils.setGradMode(false);
            net.calibrateBatchNorm(m.create(x, new Shape(n, 3, side, side)), 16);
            streamed = stats(cfg, p);
        }
        for (int k = 0; k < plain.length; k += 2) {
            for (int c = 0; c < plain[k].length; c++) {
                double sd = Math.sqrt(plain[k + 1][c]);
                assertEquals(plain[k][c], streamed[k][c], 1e-4 * sd, "mean " + k / 2 + " channel " + c);
                assertEquals(plain[k + 1][c], streamed[k + 1][c], 1e-4 * plain[k + 1][c], "variance " + k / 2 + " channel " + c);
            }
        }
    }

    private static float[][] stats(NetworkConfig cfg, ParameterSet p) {
        List<BackboneOp.Conv> convs = BackboneOp.convs(cfg.backbone());
        float[][] s = new float[2 * convs.size()][];
        for (int i = 0; i < convs.size(); i++) {
            s[2 * i] = p.floats("backbone." + convs.get(i).bn() + ".running_mean");
            s[2 * i + 1] = p.floats("backbone." + convs.get(i).bn() + ".running_var");
        }
        return s;
    }

    /** The definition, written plainly: everything at once, float32 statistics. */
    private static NDArray plain(SegmentationNetwork net, List<BackboneOp> ops, NDArray x) {
        NDArray y = x;
        for (BackboneOp op : ops) {
            if (op instanceof BackboneOp.Conv c) {
                NDArray raw = Conv2d.conv2d(y, net.params().get("backbone." + c.name() + ".weight"), null,
                        new Shape(c.stride(), c.stride()), new Shape(c.padding(), c.padding()),
                        new Shape(c.dilation(), c.dilation()), 1).singletonOrThrow();
                if (c.bn() != null) {
                    NDArray per = raw.transpose(1, 0, 2, 3).reshape(c.out(), -1);
                    NDArray mean = per.mean(new int[] {1});
                    NDArray var = per.sub(mean.reshape(-1, 1)).square().mean(new int[] {1});
                    net.params().set("backbone." + c.bn() + ".running_mean", mean.toFloatArray());
                    net.params().set("backbone." + c.bn() + ".running_var", var.toFloatArray());
                    net.forgetBatchNorm(c.bn());
                    NDArray[] a = net.batchNorm(c.bn());
                    raw = raw.mul(a[0]).add(a[1]);
                }
                y = c.relu() ? Activation.relu(raw) : raw;
            } else if (op instanceof BackboneOp.MaxPool p) {
                y = Pool.maxPool2d(y, new Shape(p.kernel(), p.kernel()), new Shape(p.stride(), p.stride()),
                        new Shape(p.padding(), p.padding()), p.ceilMode());
            } else if (op instanceof BackboneOp.Residual res) {
                NDArray body = plain(net, res.body(), y);
                NDArray skip = res.shortcut().isEmpty() ? y : plain(net, res.shortcut(), y);
                y = body.add(skip);
                if (res.relu()) {
                    y = Activation.relu(y);
                }
            }
        }
        return y;
    }
}
