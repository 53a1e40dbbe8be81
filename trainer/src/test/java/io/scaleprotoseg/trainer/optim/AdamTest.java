package io.scaleprotoseg.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import io.scaleprotoseg.trainer.DjlTestBase;
import io.scaleprotoseg.trainer.model.OwnedTensors;
import io.scaleprotoseg.trainer.model.ParamGroup;
import io.scaleprotoseg.trainer.model.ParameterSet;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Adam's weight decay reaches exactly the groups METHOD.md 3 names. */
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
}
