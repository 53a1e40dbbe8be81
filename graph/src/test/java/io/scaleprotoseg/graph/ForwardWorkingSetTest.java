package io.scaleprotoseg.graph;

import static io.scaleprotoseg.graph.OnnxGraphBuilder.integer;
import static io.scaleprotoseg.graph.OnnxGraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.graph.network.ResNetLayout;
import io.scaleprotoseg.sdk.ModelKind;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The working set of small graphs against a count by hand, and inferred shapes against the network's known grid. */
class ForwardWorkingSetTest {
    /**
     * x [1,3,8,8] -> Conv 3x3 (4, pads 1) = t1 -> Relu = t2 -> Sigmoid(t1) = z (an output) -> Conv 1x1 with a
     * kernel folded from a [4,4] initializer = t3 -> Add(t3, t2) = t4 -> MaxPool 2/2 = y [1,4,4,4].
     */
    private static OnnxMl.ModelProto smallGraph() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("hand");
        String x = g.reserve("x");
        g.proto().addInput(OnnxGraphBuilder.valueInfo(x, OnnxMl.TensorProto.DataType.FLOAT, "N", 3, "H", "W"));
        String w1 = g.floatInit("w1", new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
        String b1 = g.floatInit("b1", new float[4], 4);
        String t1 = g.node("Conv", List.of(x, w1, b1), "t1", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        String t2 = g.node("Relu", List.of(t1), "t2");
        String z = g.node("Sigmoid", List.of(t1), "z");
        String kernel = g.node("Unsqueeze", List.of(g.floatInit("w2", new float[16], 4, 4), g.int64Init("axes", 2, 3)), "k");
        String t3 = g.node("Conv", List.of(t2, kernel), "t3", ints("kernel_shape", 1, 1));
        String t4 = g.node("Add", List.of(t3, t2), "t4");
        String y = g.node("MaxPool", List.of(t4), "y", ints("kernel_shape", 2, 2), ints("strides", 2, 2),
                integer("ceil_mode", 0));
        g.proto().addOutput(OnnxGraphBuilder.valueInfo(y, OnnxMl.TensorProto.DataType.FLOAT, "N", 4, "h", "w"));
        g.proto().addOutput(OnnxGraphBuilder.valueInfo(z, OnnxMl.TensorProto.DataType.FLOAT, "N", 4, "H", "W"));
        return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setGraph(g.proto()).build();
    }

    @Test
    void weightsAreTheConstantsInputDependentNodesRead() {
        ForwardWorkingSet.Result r = ForwardWorkingSet.analyse(smallGraph(), 1, 8, 8, Set.of("y"));
        // w1 108 floats + b1 4 + the folded kernel 16 (not w2 itself, not the int64 axes) = 128 floats
        assertEquals(128 * 4, r.weightBytes());
    }

    @Test
    void peakMatchesTheHandCountForOneOutput() {
        // steps conv, relu, conv, add, maxpool; x (768 B) lives throughout; t1..t4 are 1024 B, y 256 B.
        // t2 lives to the add (step 3): at the add x + t2 + t3 + t4 = 768 + 3 * 1024 = 3840
        ForwardWorkingSet.Result r = ForwardWorkingSet.analyse(smallGraph(), 1, 8, 8, Set.of("y"));
        assertEquals(3840, r.peakActivationBytes());
        assertEquals("Add", r.peakNode().replaceAll(".*\\((.*)\\)", "$1"));
        assertEquals(5, r.nodes(), "the sigmoid no requested output needs is not counted");
        assertArrayEquals(new long[] {1, 4, 4, 4}, r.outputShapes().get("y"));
        assertEquals(3840, r.liveAtPeak().stream().mapToLong(e -> e.getValue()).sum());
    }

    @Test
    void anOutputLivesToTheEnd() {
        // with z requested too: t1 lives to the sigmoid, z (1024 B) from there to the end, so at the add
        // x + t2 + t3 + t4 + z = 768 + 4 * 1024 = 4864
        ForwardWorkingSet.Result all = ForwardWorkingSet.analyse(smallGraph(), 1, 8, 8, Set.of());
        assertEquals(4864, all.peakActivationBytes());
        assertEquals(6, all.nodes());
        assertEquals(4864 + 512, all.totalBytes());
    }

    @Test
    void batchScalesActivationsNotWeights() {
        ForwardWorkingSet.Result one = ForwardWorkingSet.analyse(smallGraph(), 1, 8, 8, Set.of("y"));
        ForwardWorkingSet.Result two = ForwardWorkingSet.analyse(smallGraph(), 2, 8, 8, Set.of("y"));
        assertEquals(2 * one.peakActivationBytes(), two.peakActivationBytes());
        assertEquals(one.weightBytes(), two.weightBytes());
    }

    @Test
    void shapesOfAWrittenModelFollowTheFeatureGrid() {
        // README: 65 cells for 513 pixels, 129 x 257 for 1024 x 2048 (stride-2 stem, ceil-mode max pool, stride-2 stage)
        OnnxMl.ModelProto m = InferenceGraphWriter.build(RandomModels.build(RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 1),
                ResNetLayout.Depth.R18, 16));
        ForwardWorkingSet.Result r = ForwardWorkingSet.analyse(m, 1, 1024, 2048, Set.of());
        assertArrayEquals(new long[] {1, 4, 129, 257}, r.outputShapes().get("logits"));
        assertArrayEquals(new long[] {1, 1024, 2048}, r.outputShapes().get("mask"));
        assertArrayEquals(new long[] {1, 32, 129, 257}, r.outputShapes().get("prototype_activations"));
        assertArrayEquals(new long[] {1, 513, 513}, ForwardWorkingSet.analyse(m, 1, 513, 513, Set.of()).outputShapes().get("mask"));
        assertArrayEquals(new long[] {1, 4, 65, 65}, ForwardWorkingSet.analyse(m, 1, 513, 513, Set.of()).outputShapes()
                .get("logits"));
        // the mask needs the logits resized to the image (C floats per pixel): at least that much is live
        assertTrue(r.peakActivationBytes() >= 4L * 1024 * 2048 * 4);
    }

    @Test
    void anUnknownOperatorIsRefusedByName() {
        OnnxGraphBuilder g = new OnnxGraphBuilder("bad");
        String x = g.reserve("x");
        g.proto().addInput(OnnxGraphBuilder.valueInfo(x, OnnxMl.TensorProto.DataType.FLOAT, "N", 3, "H", "W"));
        String y = g.node("Softmax", List.of(x), "y");
        g.proto().addOutput(OnnxGraphBuilder.valueInfo(y, OnnxMl.TensorProto.DataType.FLOAT, "N", 3, "H", "W"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwardWorkingSet.analyse(OnnxMl.ModelProto.newBuilder().setGraph(g.proto()).build(), 1, 4, 4, Set.of()));
        assertTrue(e.getMessage().contains("Softmax"), e.getMessage());
    }
}
