package io.scaleprotoseg.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.trainer.DjlTestBase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DeepLabv2 ResNet-101 in DJL: geometry, parameter count, and torchvision-layout weights. */
class ResNetBackboneTest extends DjlTestBase {
    @TempDir
    Path dir;

    private static NetworkConfig r101(ModelKind kind, int divisor) {
        return new NetworkConfig(kind, ResNetLayout.Depth.R101, divisor, 19, new int[] {6, 12, 18, 24}, 3, 64, 3, List.of());
    }

    @Test
    void resNet101Maps65To9AndHasTorchvisionsParameterCount() {
        NetworkConfig cfg = r101(ModelKind.DEEPLABV2, 1);
        try (ParameterSet p = new ParameterSet(manager)) {
            Initialization.create(cfg, p, 1);
            long backbone = 0;
            for (String n : p.names()) {
                if (n.startsWith("backbone.") && !n.contains("running_")) {
                    backbone += p.get(n).size();
                }
            }
            // torchvision resnet101 has 44,549,160 parameters; its fc layer (2048 x 1000 + 1000) is not used
            assertEquals(44_549_160L - 2_049_000L, backbone);
            // ASPP of the black box: 4 x (3 x 3 x 2048 x 19 + 19)
            assertEquals(4L * (9 * 2048 * 19 + 19), p.count() - backbone - runningStats(p));
            SegmentationNetwork net = new SegmentationNetwork(cfg, p, PrototypeTable.initial(cfg));
            NDArray img = manager.randomUniform(0, 1, new Shape(1, 3, 65, 65));
            assertEquals(new Shape(1, 19, 9, 9), net.forward(img).logits().getShape());
        }
    }

    private static long runningStats(ParameterSet p) {
        long n = 0;
        for (String name : p.names()) {
            if (name.contains("running_")) {
                n += p.get(name).size();
            }
        }
        return n;
    }

    @Test
    void featureSizesFollowOutputStrideEight() {
        List<BackboneOp> ops = ResNetLayout.ops(ResNetLayout.Depth.R101, 1);
        assertEquals(41, BackboneOp.outputSize(ops, 321));
        assertEquals(65, BackboneOp.outputSize(ops, 513));
        assertEquals(129, BackboneOp.outputSize(ops, 1024));
        assertEquals(257, BackboneOp.outputSize(ops, 2048));
    }

    @Test
    void torchvisionLayoutWeightsRoundTrip() throws Exception {
        NetworkConfig cfg = r101(ModelKind.SCALEPROTOSEG, 16);
        Path file = dir.resolve("resnet.safetensors");
        try (ParameterSet a = new ParameterSet(manager); ParameterSet b = new ParameterSet(manager)) {
            Initialization.create(cfg, a, 1);
            Initialization.create(cfg, b, 2);
            ImageNetWeights.save(file, cfg, a);
            ImageNetWeights.load(file, cfg, b);
            for (String key : ImageNetWeights.expectedKeys(cfg)) {
                assertTrue(Arrays.equals(a.floats("backbone." + key), b.floats("backbone." + key)), key);
            }
            assertTrue(!Arrays.equals(a.floats("prototypes"), b.floats("prototypes")), "only the backbone loads");
        }
    }

    @Test
    void missingExtraAndMisshapenTensorsAreNamed() throws Exception {
        NetworkConfig r18 = new NetworkConfig(ModelKind.PROTOSEG, ResNetLayout.Depth.R18, 8, 3, new int[] {1}, 2, 4, 2, List.of());
        NetworkConfig r34 = new NetworkConfig(ModelKind.PROTOSEG, ResNetLayout.Depth.R34, 8, 3, new int[] {1}, 2, 4, 2, List.of());
        NetworkConfig r18wide = new NetworkConfig(ModelKind.PROTOSEG, ResNetLayout.Depth.R18, 4, 3, new int[] {1}, 2, 4, 2, List.of());
        try (ParameterSet p18 = new ParameterSet(manager); ParameterSet p34 = new ParameterSet(manager);
                ParameterSet wide = new ParameterSet(manager)) {
            Initialization.create(r18, p18, 1);
            Initialization.create(r34, p34, 1);
            Initialization.create(r18wide, wide, 1);
            Path f34 = dir.resolve("r34.safetensors");
            ImageNetWeights.save(f34, r34, p34);
            WeightFileException extra = assertThrows(WeightFileException.class, () -> ImageNetWeights.load(f34, r18, p18));
            assertTrue(extra.getMessage().contains("'layer1.2.bn1.bias'") || extra.getMessage().contains("that a ResNet-18"),
                    extra.getMessage());
            Path f18 = dir.resolve("r18.safetensors");
            ImageNetWeights.save(f18, r18, p18);
            WeightFileException missing = assertThrows(WeightFileException.class, () -> ImageNetWeights.load(f18, r34, p34));
            assertTrue(missing.getMessage().contains("lacks tensor 'layer1.2."), missing.getMessage());
            WeightFileException shape = assertThrows(WeightFileException.class, () -> ImageNetWeights.load(f18, r18wide, wide));
            assertTrue(shape.getMessage().contains("tensor 'conv1.weight' has shape [8, 3, 7, 7], the backbone needs [16, 3, 7, 7]"),
                    shape.getMessage());
            Path junk = dir.resolve("junk.npz");
            Files.write(junk, new byte[] {1, 2, 3});
            assertThrows(WeightFileException.class, () -> ImageNetWeights.load(junk, r18, p18));
        }
    }
}
