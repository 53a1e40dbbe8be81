package io.scaleprotoseg.graph.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.Layer;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.sdk.ErrorCode;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.internal.GraphContract;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The QDQ rewrite: which convolutions, where the pairs go, the encodings, and that the head is left alone. */
class QdqQuantizerTest {
    private static int convs(List<Layer> layers) {
        int n = 0;
        for (Layer l : layers) {
            if (l instanceof Layer.Conv) {
                n++;
            } else if (l instanceof Layer.Residual r) {
                n += convs(r.body()) + convs(r.shortcut());
            }
        }
        return n;
    }

    /** A range for every tensor: [-1, 3] (the values do not matter to the structure). */
    private static Map<String, QdqQuantizer.Range> anyRanges(QdqQuantizer.Plan plan) {
        Map<String, QdqQuantizer.Range> r = new HashMap<>();
        for (String t : plan.calibrationTensors()) {
            r.put(t, new QdqQuantizer.Range(-1, 3));
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(ModelKind.class)
    void everyTrunkConvolutionReadsDequantisedInt8AndTheHeadStaysFp32(ModelKind kind) throws Exception {
        InferenceModel model = RandomModels.build(RandomModels.Spec.small(kind, 3));
        OnnxMl.ModelProto fp32 = InferenceGraphWriter.build(model);
        QdqQuantizer.Plan plan = QdqQuantizer.plan(fp32, "m.onnx");
        int expected = convs(model.backbone()) + model.aspp().branches().size();
        assertEquals(expected, plan.convolutions(), "backbone + ASPP convolutions, nothing of the head");
        OnnxMl.ModelProto q = plan.quantize(anyRanges(plan), ActivationType.UINT8);
        GraphContract.check("q.onnx", q);

        OnnxMl.GraphProto g = q.getGraph();
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        Map<String, OnnxMl.TensorProto> inits = new HashMap<>();
        for (OnnxMl.TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Set<String> defined = new HashSet<>(inits.keySet());
        defined.add("pixels");
        int int8Convs = 0;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                assertTrue(in.isEmpty() || defined.contains(in), "node " + n.getName() + " reads " + in + " before it is made");
            }
            defined.addAll(n.getOutputList());
            if (!n.getOpType().equals("Conv") || inits.containsKey(n.getInput(1)) || producer.get(n.getInput(1)) == null
                    || !producer.get(n.getInput(1)).getOpType().equals("DequantizeLinear")) {
                continue;
            }
            int8Convs++;
            OnnxMl.NodeProto wdq = producer.get(n.getInput(1));
            assertEquals(OnnxMl.TensorProto.DataType.INT8.getNumber(), inits.get(wdq.getInput(0)).getDataType());
            assertEquals(0, wdq.getAttribute(0).getI(), "per output channel: axis 0");
            assertEquals(inits.get(wdq.getInput(0)).getDims(0), inits.get(wdq.getInput(1)).getDims(0), "one scale per channel");
            OnnxMl.NodeProto xdq = producer.get(n.getInput(0));
            assertEquals("DequantizeLinear", xdq.getOpType(), "activation input of " + n.getName());
            assertEquals("QuantizeLinear", producer.get(xdq.getInput(0)).getOpType());
            assertEquals(OnnxMl.TensorProto.DataType.UINT8.getNumber(), inits.get(xdq.getInput(2)).getDataType());
            if (n.getInputCount() > 2) {
                OnnxMl.NodeProto bdq = producer.get(n.getInput(2));
                assertEquals(OnnxMl.TensorProto.DataType.INT32.getNumber(), inits.get(bdq.getInput(0)).getDataType());
            }
        }
        assertEquals(expected, int8Convs);

        // the head: nothing downstream of its initializers is a Q/DQ node, and its weights are the FP32 originals
        Set<String> head = plan.headNodes();
        assertEquals(kind != ModelKind.DEEPLABV2, !head.isEmpty());
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getOpType().endsWith("QuantizeLinear")) {
                assertFalse(head.contains(n.getName()));
                for (String in : n.getInputList()) {
                    OnnxMl.NodeProto p = producer.get(in);
                    assertTrue(p == null || !head.contains(p.getName()), "Q/DQ " + n.getName() + " reads head tensor " + in);
                }
            }
        }
        for (String name : List.of(InferenceGraphWriter.LAST_LAYER, InferenceGraphWriter.GROUP_WEIGHTS, "prototypes")) {
            OnnxMl.TensorProto before = fp32.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name))
                    .findFirst().orElse(null);
            if (before != null) {
                assertEquals(before, inits.get(name), name + " unchanged");
            }
        }
        assertEquals(fp32.getMetadataPropsList(), q.getMetadataPropsList(), "the card is copied (the caller adds its record)");
        assertEquals(fp32.getGraph().getOutputList(), g.getOutputList());
        for (OnnxMl.NodeProto n : fp32.getGraph().getNodeList()) {
            if (plan.convolutionNodes().contains(n.getName())) {
                assertFalse(inits.containsKey(n.getInput(1)), "the FP32 weight " + n.getInput(1) + " is dropped");
            }
        }
    }

    @Test
    void reluAndMaxPoolSitInsideThePairsAsOnnxRuntimeFusesThem() throws Exception {
        OnnxMl.ModelProto fp32 = InferenceGraphWriter.build(RandomModels.build(RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 3)));
        QdqQuantizer.Plan plan = QdqQuantizer.plan(fp32, "m.onnx");
        OnnxMl.ModelProto q = plan.quantize(anyRanges(plan), ActivationType.UINT8);
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        Map<String, List<OnnxMl.NodeProto>> consumers = new HashMap<>();
        for (OnnxMl.NodeProto n : q.getGraph().getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
        }
        for (OnnxMl.NodeProto n : q.getGraph().getNodeList()) {
            if (n.getOpType().equals("Relu") && plan.activations().contains(n.getOutput(0))) {
                List<OnnxMl.NodeProto> c = consumers.get(n.getOutput(0));
                assertEquals(1, c.size(), "a quantised ReLU output feeds its QuantizeLinear only");
                assertEquals("QuantizeLinear", c.get(0).getOpType());
                assertFalse(producer.get(n.getInput(0)).getOpType().equals("DequantizeLinear"),
                        "no pair between a convolution and its ReLU");
            }
            if (n.getOpType().equals("MaxPool")) {
                OnnxMl.NodeProto in = producer.get(n.getInput(0));
                OnnxMl.NodeProto out = consumers.get(n.getOutput(0)).get(0);
                assertEquals("DequantizeLinear", in.getOpType());
                assertEquals("QuantizeLinear", out.getOpType());
                assertEquals(in.getInput(1), out.getInput(1), "the pool's output shares its input's scale");
            }
        }
    }

    @Test
    void aQuantisedModelIsRefused() throws Exception {
        OnnxMl.ModelProto fp32 = InferenceGraphWriter.build(RandomModels.build(RandomModels.Spec.small(ModelKind.PROTOSEG, 3)));
        QdqQuantizer.Plan plan = QdqQuantizer.plan(fp32, "m.onnx");
        OnnxMl.ModelProto q = plan.quantize(anyRanges(plan), ActivationType.INT8);
        QuantizationException e = assertThrows(QuantizationException.class, () -> QdqQuantizer.plan(q, "m-int8.onnx"));
        assertEquals(ErrorCode.QUANTIZATION_REFUSED, e.code());
        assertTrue(e.getMessage().startsWith("--model m-int8.onnx is quantised already"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> plan.quantize(Map.of(),
                ActivationType.UINT8));
        assertTrue(missing.getMessage().startsWith("no calibrated range for activation"));
    }

    @Test
    void activationEncodingsHoldZeroExactlyAndCoverTheRange() {
        QdqQuantizer.Params relu = QdqQuantizer.params(new QdqQuantizer.Range(0, 2.55f), ActivationType.UINT8);
        assertEquals(0.01f, relu.scale(), 1e-7);
        assertEquals(0, relu.zeroPoint());
        QdqQuantizer.Params signed = QdqQuantizer.params(new QdqQuantizer.Range(-1, 3), ActivationType.UINT8);
        assertEquals(4f / 255, signed.scale(), 1e-7);
        assertEquals(64, signed.zeroPoint(), "0 = code 64: -1 / (4/255) = -63.75, rounded");
        QdqQuantizer.Params positive = QdqQuantizer.params(new QdqQuantizer.Range(2, 3), ActivationType.UINT8);
        assertEquals(3f / 255, positive.scale(), 1e-7, "widened to [0, 3] so that 0 is a code");
        QdqQuantizer.Params sym = QdqQuantizer.params(new QdqQuantizer.Range(-1, 3), ActivationType.INT8);
        assertEquals(3f / 127, sym.scale(), 1e-7);
        assertEquals(0, sym.zeroPoint());
        assertEquals(1f, QdqQuantizer.params(new QdqQuantizer.Range(0, 0), ActivationType.UINT8).scale(), "no zero scale");
    }

    @Test
    void weightCodesAreSymmetricPerChannelWithinHalfAStep() {
        SplittableRandom rnd = new SplittableRandom(4);
        float[] w = new float[3 * 50];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() - 0.5) * (1 + i / 50));
        }
        float[] s = QdqQuantizer.weightScales(w, 3);
        byte[] q = QdqQuantizer.quantizeWeights(w, s);
        for (int o = 0; o < 3; o++) {
            float max = 0;
            for (int i = 0; i < 50; i++) {
                max = Math.max(max, Math.abs(w[o * 50 + i]));
            }
            assertEquals(max / 127, s[o], 1e-9);
            for (int i = 0; i < 50; i++) {
                int code = q[o * 50 + i];
                assertTrue(code >= -127 && code <= 127);
                assertTrue(Math.abs(code * s[o] - w[o * 50 + i]) <= s[o] / 2 * (1 + 1e-6), "within half a step");
            }
        }
    }

    private static FloatBuffer buffer(float... v) {
        FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(v).flip();
        return b;
    }

    @Test
    void minmaxPercentileAndEntropyRanges() throws Exception {
        // 100,000 values |N(0, 1)| (a ReLU-like bulk) and ten outliers at 100
        float[] v = new float[100_010];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            v[i] = (float) Math.abs(Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
        }
        java.util.Arrays.fill(v, 100_000, v.length, 100f);
        Map<CalibrationMethod, QdqQuantizer.Range> got = new HashMap<>();
        for (CalibrationMethod m : CalibrationMethod.values()) {
            Calibrator c = new Calibrator(m, 99.9, ActivationType.UINT8);
            got.put(m, Calibrator.calibrate(c, List.of("x"), 1, (i, sink) -> sink.accept("x", buffer(v))).get("x"));
        }
        assertEquals(100f, got.get(CalibrationMethod.MINMAX).max());
        // the 99.9th percentile of |N(0, 1)| is 3.29 (the outliers are 0.01%); bins are 100/2048 wide
        QdqQuantizer.Range p = got.get(CalibrationMethod.PERCENTILE);
        assertTrue(p.max() >= 3.1 && p.max() <= 3.5 + 100.0 / 2048, "percentile max " + p.max());
        QdqQuantizer.Range e = got.get(CalibrationMethod.ENTROPY);
        assertTrue(e.max() >= 3 && e.max() <= 50, "entropy keeps the bulk and clips the outliers: " + e.max());
        QuantizationException unknown = assertThrows(QuantizationException.class, () -> CalibrationMethod.parse("kl"));
        assertEquals("--method kl: unknown calibration method; use minmax, percentile or entropy", unknown.getMessage());
        QuantizationException nan = assertThrows(QuantizationException.class, () -> Calibrator.calibrate(
                new Calibrator(CalibrationMethod.MINMAX, 99.99, ActivationType.UINT8), List.of("x"), 1,
                (i, sink) -> sink.accept("x", buffer(1f, Float.NaN))));
        assertTrue(nan.getMessage().contains("took non-finite values"));
    }
}
