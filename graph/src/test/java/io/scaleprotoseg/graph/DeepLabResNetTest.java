package io.scaleprotoseg.graph;

import io.scaleprotoseg.graph.network.ResNetLayout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ResNet layouts have torchvision's parameters and DeepLabv2's geometry. */
class DeepLabResNetTest {
    /** Records every key and shape asked for. */
    private static final class Recorder implements DeepLabResNet.WeightSource {
        final Map<String, int[]> keys = new HashMap<>();

        @Override
        public FloatTensor tensor(String key, int... shape) {
            keys.put(key, shape.clone());
            return FloatTensor.zeros(shape);
        }

        long parameters(boolean withBnStatistics) {
            long n = 0;
            for (Map.Entry<String, int[]> e : keys.entrySet()) {
                if (!withBnStatistics && e.getKey().contains("running_")) {
                    continue;
                }
                long m = 1;
                for (int d : e.getValue()) {
                    m *= d;
                }
                n += m;
            }
            return n;
        }
    }

    @Test
    void resNet101HasTorchvisionsParameterCountWithoutTheClassifier() {
        Recorder r = new Recorder();
        DeepLabResNet.layers(ResNetLayout.Depth.R101, r, 1);
        // torchvision resnet101: 44,549,160 parameters, of which fc holds 2048*1000 + 1000
        assertEquals(44_549_160L - 2_049_000L, r.parameters(false));
        assertEquals(new int[] {64, 3, 7, 7}.length, r.keys.get("conv1.weight").length);
        assertTrue(r.keys.containsKey("layer3.22.conv3.weight"));
        assertTrue(r.keys.containsKey("layer4.0.downsample.1.running_var"));
        assertTrue(!r.keys.containsKey("layer3.1.downsample.0.weight"));
    }

    @Test
    void resNet18And50MatchTorchvisionToo() {
        Recorder r18 = new Recorder();
        DeepLabResNet.layers(ResNetLayout.Depth.R18, r18, 1);
        assertEquals(11_689_512L - 513_000L, r18.parameters(false));
        Recorder r50 = new Recorder();
        DeepLabResNet.layers(ResNetLayout.Depth.R50, r50, 1);
        assertEquals(25_557_032L - 2_049_000L, r50.parameters(false));
    }

    @Test
    void outputStrideIsEightWithCeilModePooling() {
        List<Layer> layers = DeepLabResNet.layers(ResNetLayout.Depth.R101, (k, s) -> FloatTensor.zeros(s), 16);
        assertEquals(41, featureSize(layers, 321));
        assertEquals(65, featureSize(layers, 513));
        assertEquals(129, featureSize(layers, 1024));
        assertEquals(257, featureSize(layers, 2048));
        assertEquals(9, featureSize(layers, 65));
    }

    /** Follows one spatial side through the layers with the convolution and pooling size rules. */
    static int featureSize(List<Layer> layers, int n) {
        int size = n;
        for (Layer l : layers) {
            if (l instanceof Layer.Conv c) {
                size = (size + 2 * c.padding() - c.dilation() * (c.kernel() - 1) - 1) / c.stride() + 1;
            } else if (l instanceof Layer.MaxPool p) {
                size = ReferenceForward.pooledSize(size, p);
            } else if (l instanceof Layer.Residual r) {
                size = featureSize(r.body(), size);
            }
        }
        return size;
    }
}
