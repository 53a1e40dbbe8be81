package io.scaleprotoseg.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Adam: its formula, the groups its weight decay reaches (METHOD.md 3), and the check for non-finite gradients. */
class AdamTest extends DjlTestBase {
    @Test
    void weightDecayAppliesToBackboneAndAsppWeightsAndBiasesOnly() {
        try (ParameterSet p = new ParameterSet(manager); Adam adam = new Adam(manager)) {
            float[] start = {2f, -4f};
            for (ParamGroup g : ParamGroup.values()) {
                p.add(g.name(), g, start.clone(), 2);
            }
            p.setTrainable(EnumSet.allOf(ParamGroup.class));
            // a zero loss: every gradient is defined and 0, so only the decay term moves a parameter
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = null;
                for (String n : p.names()) {
                    NDArray term = OwnedTensors.times(p.get(n).sum(), 0);
                    loss = loss == null ? term : loss.add(term);
                }
                gc.backward(loss);
            }
            float lr = 0.1f;
            adam.step(p, g -> lr, 0.5f, 1f);
            for (ParamGroup g : ParamGroup.values()) {
                boolean decays = g == ParamGroup.BACKBONE || g == ParamGroup.ASPP_WEIGHT || g == ParamGroup.ASPP_BIAS;
                assertEquals(decays, g.weightDecay(), g.name());
                float[] after = p.floats(g.name());
                if (decays) {
                    // first step: m^ = g, v^ = g^2 with g = 0.5 w, so each weight moves by lr towards 0
                    assertArrayEquals(new float[] {2f - lr, -4f + lr}, after, 1e-6f, g.name());
                } else {
                    assertArrayEquals(start, after, g.name() + " is not decayed");
                }
            }
        }
    }

    /** Three steps against Adam's formula (PyTorch's, with L2 decay added to the gradient) computed here in double. */
    @Test
    void stepsFollowAdamsFormula() {
        try (ParameterSet p = new ParameterSet(manager); Adam adam = new Adam(manager)) {
            float[] w0 = {0.5f, -1.5f, 2f, 0.25f};
            p.add("w", ParamGroup.BACKBONE, w0.clone(), 4);
            p.setTrainable(EnumSet.allOf(ParamGroup.class));
            double[] w = {0.5, -1.5, 2, 0.25};
            double[] m = new double[4];
            double[] v = new double[4];
            float[][] coefficients = {{1f, -2f, 0.5f, 3f}, {-0.25f, 4f, 1f, -1f}, {2f, 2f, -3f, 0.125f}};
            float lr = 0.01f;
            float decay = 0.1f;
            float scale = 0.5f;
            for (int t = 1; t <= 3; t++) {
                float[] c = coefficients[t - 1];
                // loss = sum(w * c): the gradient is c
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(p.get("w").mul(OwnedTensors.of(manager, c, new Shape(4))).sum());
                }
                adam.step(p, g -> lr, decay, scale);
                for (int i = 0; i < 4; i++) {
                    double g = c[i] * scale + decay * w[i];
                    m[i] = 0.9 * m[i] + 0.1 * g;
                    v[i] = 0.999 * v[i] + 0.001 * g * g;
                    double mHat = m[i] / (1 - Math.pow(0.9, t));
                    double vHat = v[i] / (1 - Math.pow(0.999, t));
                    w[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
                }
                float[] got = p.floats("w");
                for (int i = 0; i < 4; i++) {
                    assertEquals(w[i], got[i], 1e-6, "step " + t + ", weight " + i);
                }
            }
        }
    }

    /** NaN, +infinity and -infinity in one parameter's gradient: it is named, nothing moves, gradients are zeroed. */
    @Test
    void aNonFiniteGradientIsNamedAndNothingMoves() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            try (ParameterSet p = new ParameterSet(manager); Adam adam = new Adam(manager)) {
                for (String n : new String[] {"a", "b", "c"}) {
                    p.add(n, ParamGroup.BACKBONE, new float[] {1f, 2f, 3f}, 3);
                }
                p.setTrainable(EnumSet.allOf(ParamGroup.class));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = p.get("a").sum()
                            .add(p.get("b").mul(OwnedTensors.of(manager, new float[] {1f, bad, 1f}, new Shape(3))).sum())
                            .add(p.get("c").sum());
                    gc.backward(loss);
                }
                assertEquals("b", Adam.firstNonFiniteGradient(p), "gradient with " + bad);
                assertFalse(adam.step(p, g -> 0.1, 0f, 1f));
                assertEquals("b", adam.lastNonFinite());
                for (String n : new String[] {"a", "b", "c"}) {
                    assertArrayEquals(new float[] {1f, 2f, 3f}, p.floats(n), n + " moved");
                    assertArrayEquals(new float[3], p.get(n).getGradient().toFloatArray(), n + "'s gradient is not zeroed");
                }
                assertNull(Adam.firstNonFiniteGradient(p));
            }
        }
    }
}
