package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.graph.quant.ActivationType;
import io.scaleprotoseg.graph.quant.CalibrationMethod;
import io.scaleprotoseg.graph.quant.Calibrator;
import io.scaleprotoseg.graph.quant.QdqQuantizer;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelComparison;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * INT8 models on ONNX Runtime: a quantised convolution stays within its analytic error bound, a
 * quantised model passes the contract and runs through the SDK, and {@link ModelComparison} equals
 * a hand loop over {@link Segmentation#explain}.
 */
class QuantizedModelTest {
    @TempDir
    Path dir;

    private static final int IN = 3;
    private static final int OUT = 8;
    private static final int K = 3;
    private static final int W = 23;
    private static final int H = 17;

    private static OnnxMl.TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.ValueInfoProto floatValue(String name) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()))).build();
    }

    /** pixels -> Conv 3x3, padding 1, bias -> y -> Identity -> out (the Identity lets ONNX Runtime fuse the Conv with its output pair). */
    private static OnnxMl.ModelProto singleConv(float[] w, float[] b) {
        OnnxMl.AttributeProto pads = OnnxMl.AttributeProto.newBuilder().setName("pads")
                .setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L)).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("conv")
                .addInput(floatValue("pixels")).addOutput(floatValue("out"))
                .addInitializer(floats("w", w, OUT, IN, K, K)).addInitializer(floats("b", b, OUT))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("pixels").addInput("w")
                        .addInput("b").addOutput("y").addAttribute(pads))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Identity").setName("id").addInput("y").addOutput("out"))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).build();
    }

    private static float[] run(OnnxMl.ModelProto m, float[] x, String name) throws Exception {
        float[][] out = new float[1][];
        try (OrtTensorProbe p = OrtTensorProbe.open(m.toByteArray(), 1)) {
            p.run(x, W, H, List.of(name), (n, v) -> {
                out[0] = new float[v.remaining()];
                v.get(out[0]);
            });
        }
        return out[0];
    }

    /**
     * With x^ = x + e_x (|e_x| <= s_x / 2 inside the calibrated range), W^ = W + E (|E| <= s_w[o] / 2)
     * and b^ = b + e_b (|e_b| <= s_x s_w[o] / 2), the int32 accumulation is exact, so before the
     * output is requantised
     * |y^ - y| = |sum(W e_x + E x + E e_x) + e_b| <= s_x/2 sum|W| + s_w/2 sum|x| + n s_x s_w / 4 + s_x s_w / 2
     * over the n = 27 taps of the output element; requantising to the output's step s_y adds s_y / 2.
     */
    @Test
    void aQuantisedConvolutionStaysWithinItsAnalyticBound() throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] w = new float[OUT * IN * K * K];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((rnd.nextDouble() - 0.5) * (1 + i / (IN * K * K)) * 0.3);
        }
        float[] b = new float[OUT];
        for (int o = 0; o < OUT; o++) {
            b[o] = (float) (rnd.nextDouble() - 0.5);
        }
        float[] x = TestModels.image(W, H, 5);
        OnnxMl.ModelProto fp32 = singleConv(w, b);
        QdqQuantizer.Plan plan = QdqQuantizer.plan(fp32, "conv.onnx");
        assertEquals(1, plan.convolutions());
        assertEquals(List.of("pixels", "y"), plan.calibrationTensors());
        Map<String, QdqQuantizer.Range> ranges;
        try (OrtTensorProbe probe = OrtTensorProbe.open(plan.probe().toByteArray(), 1)) {
            ranges = Calibrator.calibrate(new Calibrator(CalibrationMethod.MINMAX, 99.99, ActivationType.UINT8),
                    plan.calibrationTensors(), 1, (i, sink) -> probe.run(x, W, H, plan.calibrationTensors(), sink::accept));
        }
        float[] y = run(fp32, x, "out");
        float[] yq = run(plan.quantize(ranges, ActivationType.UINT8), x, "out");
        float sx = QdqQuantizer.params(ranges.get("pixels"), ActivationType.UINT8).scale();
        float sy = QdqQuantizer.params(ranges.get("y"), ActivationType.UINT8).scale();
        float[] sw = QdqQuantizer.weightScales(w, OUT);
        int n = IN * K * K;
        double maxErr = 0;
        double maxShare = 0;
        for (int o = 0; o < OUT; o++) {
            for (int r = 0; r < H; r++) {
                for (int c = 0; c < W; c++) {
                    double sumW = 0;
                    double sumX = 0;
                    for (int i = 0; i < IN; i++) {
                        for (int dy = 0; dy < K; dy++) {
                            for (int dx = 0; dx < K; dx++) {
                                sumW += Math.abs(w[((o * IN + i) * K + dy) * K + dx]);
                                int yy = r + dy - 1;
                                int xx = c + dx - 1;
                                if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                                    sumX += Math.abs(x[(i * H + yy) * W + xx]);
                                }
                            }
                        }
                    }
                    double bound = sx / 2 * sumW + sw[o] / 2 * sumX + n * sx * sw[o] / 4 + sx * sw[o] / 2 + sy / 2;
                    int at = (o * H + r) * W + c;
                    double err = Math.abs(yq[at] - y[at]);
                    assertTrue(err <= bound * (1 + 1e-5) + 1e-6, "output " + o + " at (" + c + ", " + r + "): |error| " + err
                            + " > bound " + bound);
                    maxErr = Math.max(maxErr, err);
                    maxShare = Math.max(maxShare, err / bound);
                }
            }
        }
        assertTrue(maxErr > 1e-4, "the INT8 result differs from FP32 (it was quantised): max error " + maxErr);
        assertTrue(maxShare > 0.05, "the bound is not vacuous: the largest error reaches " + maxShare + " of it");
    }

    private static Path quantized(Path fp32, Path out, List<float[]> images, int w, int h) throws Exception {
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(fp32));
        QdqQuantizer.Plan plan = QdqQuantizer.plan(proto, fp32.toString());
        List<String> tensors = plan.calibrationTensors();
        Map<String, QdqQuantizer.Range> ranges;
        try (OrtTensorProbe probe = OrtTensorProbe.open(plan.probe().toByteArray(), 1)) {
            ranges = Calibrator.calibrate(new Calibrator(CalibrationMethod.PERCENTILE, 99.99, ActivationType.UINT8), tensors,
                    images.size(), (i, sink) -> probe.run(images.get(i), w, h, tensors, sink::accept));
        }
        InferenceGraphWriter.writeAtomically(plan.quantize(ranges, ActivationType.UINT8), out);
        return out;
    }

    @Test
    void aQuantisedModelRunsThroughTheSdkAndItsComparisonEqualsAHandLoopOverExplain() throws Exception {
        int w = 40;
        int h = 32;
        Path fp32 = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 7), dir, "sps");
        List<float[]> calib = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            calib.add(TestModels.image(w, h, 100 + i));
        }
        Path int8 = quantized(fp32, dir.resolve("sps-int8.onnx"), calib, w, h);
        float[] image = TestModels.image(w, h, 42);
        Segmentation ref;
        Segmentation cand;
        try (Segmenter a = Segmenter.builder().model(fp32).backend(Backend.ORT_CPU).intraOpThreads(1).evidence(Evidence.FULL)
                        .build();
                Segmenter b = Segmenter.builder().model(int8).backend(Backend.ORT_CPU).intraOpThreads(1).evidence(Evidence.FULL)
                        .build()) {
            ref = a.segment(image, w, h);
            cand = b.segment(image, w, h);
        }
        ModelComparison cmp = new ModelComparison(ref.numClasses(), 255);
        cmp.add(ref, cand, null);

        ModelCard card = ref.card();
        long same = 0;
        long ranked = 0;
        long rankSame = 0;
        double cMax = 0;
        double cSum = 0;
        long cN = 0;
        double gMax = 0;
        double gSum = 0;
        long gN = 0;
        float[] rg = ref.prototypeActivations();
        float[] cg = cand.prototypeActivations();
        int cells = ref.featureGrid().cells();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int cls = ref.classAt(x, y);
                if (cand.classAt(x, y) == cls) {
                    same++;
                }
                PixelExplanation er = ref.explain(x, y, cls);
                PixelExplanation ec = cand.explain(x, y, cls);
                assertEquals(ec.logit(), ec.contributionSum(), 1e-4 * Math.max(1, Math.abs(ec.logit())),
                        "the FP32 head keeps logit = sum of group contributions on the INT8 model");
                assertEquals(er.groups().size(), ec.groups().size());
                double[] byChannel = new double[card.groups().size()];
                for (GroupEvidence g : er.groups()) {
                    byChannel[g.channel()] = g.contribution();
                }
                for (GroupEvidence g : ec.groups()) {
                    double d = Math.abs(g.contribution() - byChannel[g.channel()]);
                    cMax = Math.max(cMax, d);
                    cSum += d;
                    cN++;
                }
                boolean order = true;
                for (int i = 0; i < Math.min(3, er.groups().size()); i++) {
                    order &= er.groups().get(i).channel() == ec.groups().get(i).channel();
                }
                ranked++;
                rankSame += order ? 1 : 0;
                int cell = er.cellRow() * ref.featureGrid().columns() + er.cellCol();
                for (int j = 0; j < card.prototypes().size(); j++) {
                    if (card.prototypes().get(j).classId() == cls) {
                        double d = Math.abs(cg[j * cells + cell] - rg[j * cells + cell]);
                        gMax = Math.max(gMax, d);
                        gSum += d;
                        gN++;
                    }
                }
            }
        }
        assertEquals((double) same / (w * h), cmp.maskAgreement(), 1e-12);
        assertEquals(cMax, cmp.contributionMaxDelta(), 1e-9 * Math.max(1, cMax));
        assertEquals(cSum / cN, cmp.contributionMeanDelta(), 1e-9 * Math.max(1, cSum / cN));
        assertEquals(gMax, cmp.activationMaxDelta(), 1e-6);
        assertEquals(gSum / gN, cmp.activationMeanDelta(), 1e-6);
        assertEquals((double) rankSame / ranked, cmp.top3Agreement(), 1e-12);
        assertTrue(cmp.maskAgreement() > 0.9, "INT8 masks mostly agree: " + cmp.maskAgreement());
        assertTrue(cmp.activationMaxDelta() > 0, "and they are INT8 results, not the FP32 ones");
    }
}
