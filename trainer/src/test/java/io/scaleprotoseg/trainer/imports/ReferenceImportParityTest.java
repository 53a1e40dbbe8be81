package io.scaleprotoseg.trainer.imports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.scaleprotoseg.sdk.FeatureGrid;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.checkpoint.TrainedModel;
import io.scaleprotoseg.trainer.data.LabelSpace;
import io.scaleprotoseg.trainer.model.SegmentationNetwork;
import io.scaleprotoseg.trainer.reference.Npz;
import io.scaleprotoseg.trainer.reference.ReferenceFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints written by the reference PyTorch code, imported and run by the trainer's forward
 * pass, against the reference's own float64 outputs ({@code ../shared/fixtures/reference-checkpoints},
 * README there): logits, group activations and prototype activations within 1e-4 x max |logit|,
 * distances and log-activations within the README's float32 bounds, masks identical except where
 * the reference's top-two margin is below 1e-5.
 */
class ReferenceImportParityTest {
    private static LabelSpace classes(int c) {
        List<ModelCard.ClassInfo> l = new ArrayList<>();
        for (int i = 0; i < c; i++) {
            l.add(new ModelCard.ClassInfo(i, "c" + i, String.format("#%02x0000", i * 40)));
        }
        return new LabelSpace(l, 255);
    }

    private record Case(String file, String expected, ModelKind kind, boolean groups) {
    }

    @Test
    void importedReferenceModelsMatchTheReferenceOutputs() throws Exception {
        Path dir = ReferenceFixtures.folder("reference-checkpoints");
        Npz inputs = Npz.read(dir.resolve("inputs.npz"));
        List<Case> cases = List.of(
                new Case("scaleprotoseg-group.pth", "expected-scaleprotoseg-group.npz", ModelKind.SCALEPROTOSEG, true),
                new Case("scaleprotoseg-group-th0.05-legacy.pth", "expected-scaleprotoseg-group-th0.05.npz", ModelKind.SCALEPROTOSEG, true),
                new Case("scaleprotoseg-stage1.pth", "expected-scaleprotoseg-stage1.npz", ModelKind.SCALEPROTOSEG, false),
                new Case("protoseg.pth", "expected-protoseg.npz", ModelKind.PROTOSEG, false),
                new Case("deeplabv2.pth", "expected-deeplabv2.npz", ModelKind.DEEPLABV2, false));
        for (Case c : cases) {
            ReferenceModel ref = ReferenceModel.read(dir.resolve(c.file()));
            Npz exp = Npz.read(dir.resolve(c.expected()));
            assertEquals(c.kind(), ref.network().method(), c.file());
            assertEquals(c.groups(), ref.grouped(), c.file());
            assertEquals(exp.get("cfg_num_classes").ints()[0], ref.network().numClasses(), c.file());
            assertArrayEquals(exp.get("cfg_n_blocks").ints(), ref.network().blocks(), c.file());
            assertArrayEquals(exp.get("cfg_atrous_rates").ints(), ref.network().dilations(), c.file());
            if (c.kind() != ModelKind.DEEPLABV2) {
                assertEquals(exp.get("cfg_num_prototypes").ints()[0], ref.prototypes().size(), c.file());
                assertEquals(exp.get("cfg_prototype_dim").ints()[0], ref.network().dim(), c.file());
            } else {
                double[] msc = exp.get("cfg_msc_scales").doubles();
                assertEquals(msc.length, ref.network().mscScales().size());
            }
            if (c.groups()) {
                assertEquals(exp.get("cfg_groups_per_class").ints()[0], ref.network().groupsPerClass(), c.file());
            }
            try (NDManager m = NDManager.newBaseManager();
                    TrainedModel model = ref.toTrainedModel(classes(ref.network().numClasses()), m)) {
                JniUtils.setGradMode(false);
                for (String t : new String[] {"a", "b"}) {
                    check(c, t, model.network(), inputs, exp, m);
                }
            }
        }
    }

    private static void check(Case c, String t, SegmentationNetwork net, Npz inputs, Npz exp, NDManager parent) {
        Npz.Array u8 = inputs.get(t + "_input_u8");
        int h = (int) u8.shape()[0];
        int w = (int) u8.shape()[1];
        int[] rgb = u8.ints();
        float[] chw = new float[3 * h * w];
        for (int i = 0; i < h * w; i++) {
            for (int ch = 0; ch < 3; ch++) {
                chw[ch * h * w + i] = rgb[i * 3 + ch] / 255f;
            }
        }
        String what = c.file() + " image " + t;
        try (NDManager m = parent.newSubManager()) {
            SegmentationNetwork.Outputs o = net.forward(m.create(chw, new Shape(1, 3, h, w)));
            double[] logits64 = exp.get(t + "_logits_f64").doubles();
            float[] logits = o.logits().toFloatArray();
            double maxLogit = maxAbs(logits64);
            if (c.kind() == ModelKind.DEEPLABV2) {
                assertTrue(maxDiff(logits, logits64) <= 2e-5 * maxLogit, what + ": logits differ by " + maxDiff(logits, logits64));
            } else {
                assertTrue(maxDiff(logits, logits64) <= 1e-4 * maxLogit, what + ": logits differ by "
                        + maxDiff(logits, logits64) + " (max |logit| " + maxLogit + ")");
                double[] g64 = exp.get(t + "_prototype_activations_f64").doubles();
                double[] d64 = exp.get(t + "_distances_f64").doubles();
                float[] g = o.activations().toFloatArray();
                float[] d = o.distances().toFloatArray();
                assertTrue(maxDiff(g, g64) <= 1e-4 * maxLogit, what + ": prototype activations differ by " + maxDiff(g, g64));
                for (int i = 0; i < d.length; i++) {
                    assertTrue(Math.abs(d[i] - d64[i]) <= 5e-5, what + ": distance " + i + " is " + d[i] + ", reference " + d64[i]);
                    double slope = 1 / (d64[i] + 1e-4) - 1 / (d64[i] + 1);
                    assertTrue(Math.abs(g[i] - g64[i]) <= 5e-5 * slope + 1e-5, what + ": activation " + i + " is " + g[i]
                            + ", reference " + g64[i] + " at distance " + d64[i]);
                }
                if (c.groups()) {
                    double[] a64 = exp.get(t + "_group_activations_f64").doubles();
                    float[] a = o.groups().toFloatArray();
                    assertTrue(maxDiff(a, a64) <= 1e-4 * maxLogit, what + ": group activations differ by " + maxDiff(a, a64));
                }
            }
            int classes = (int) o.logits().getShape().get(1);
            int fh = (int) o.logits().getShape().get(2);
            int fw = (int) o.logits().getShape().get(3);
            FeatureGrid grid = new FeatureGrid(fh, fw, w, h);
            int[] mask = grid.argmaxUpsampled(logits, classes);
            int[] mask64 = exp.get(t + "_mask_f64").ints();
            float[] ref = new float[logits64.length];
            for (int i = 0; i < ref.length; i++) {
                ref[i] = (float) logits64[i];
            }
            float[][] up = new float[classes][];
            for (int k = 0; k < classes; k++) {
                up[k] = grid.upsample(ref, k);
            }
            int flips = 0;
            for (int p = 0; p < mask.length; p++) {
                if (mask[p] != mask64[p]) {
                    float best = Float.NEGATIVE_INFINITY;
                    float second = Float.NEGATIVE_INFINITY;
                    for (int k = 0; k < classes; k++) {
                        float v = up[k][p];
                        if (v > best) {
                            second = best;
                            best = v;
                        } else if (v > second) {
                            second = v;
                        }
                    }
                    assertTrue(best - second < 1e-5, what + ": mask pixel " + p + " is " + mask[p] + ", reference "
                            + mask64[p] + " at margin " + (best - second));
                    flips++;
                }
            }
            assertTrue(flips <= 2, what + ": " + flips + " mask pixels differ at tiny margins");
            // the figures, for the record (surefire keeps stdout in the test report)
            System.out.printf(java.util.Locale.ROOT, "%s: max |logit - logit64| %.3g = %.3g x max |logit|, %d of %d mask pixels differ%n",
                    what, maxDiff(logits, logits64), maxDiff(logits, logits64) / maxLogit, flips, mask.length);
        }
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double maxDiff(float[] a, double[] b) {
        assertEquals(b.length, a.length, "array sizes");
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
