package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The U-Net backbone of the EM setting: full-resolution features for any input size. */
class UNetTest extends DjlTestBase {
    @Test
    void featuresKeepTheInputSizeEvenForOddSides() {
        NetworkConfig cfg = new NetworkConfig(ModelKind.PROTOSEG, ResNetLayout.Depth.R18, 16, 2, new int[] {1, 2}, 2, 4, 2,
                List.of(), NetworkConfig.UNET);
        assertEquals(1, cfg.outputStride());
        assertEquals(4, cfg.backboneChannels());
        assertEquals(37, BackboneOp.outputSize(cfg.backbone(), 37));
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 1);
            assertTrue(p.contains("backbone.enc0.conv1.weight") && p.contains("backbone.dec0.conv2.weight"));
            // decoder level 0 takes the upsampled level-1 output (8 channels) and the level-0 skip (4)
            assertEquals(List.of(4L, 12L, 3L, 3L), Arrays.stream(p.shape("backbone.dec0.conv1.weight")).boxed().toList());
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            var out = net.forward(manager.randomUniform(0, 1, new Shape(1, 3, 37, 29)));
            assertEquals(new Shape(1, 2, 37, 29), out.logits().getShape());
        }
    }
}
