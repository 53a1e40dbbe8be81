package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.RandomModels;
import io.scaleprotoseg.graph.ReferenceForward;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.sdk.spi.EngineConfig;
import io.scaleprotoseg.sdk.spi.EngineResult;
import io.scaleprotoseg.sdk.spi.InferenceEngine;
import io.scaleprotoseg.sdk.spi.InputBatch;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import io.scaleprotoseg.graph.network.ResNetLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX graph run by ONNX Runtime equals the independent double-precision computation of
 * METHOD.md (ReferenceForward) on random small models of all three kinds: relative error (max |a - e| /
 * max |e| per tensor) at most
 * 1e-4 on logits, group activations and prototype activations; identical masks except where the
 * two best upsampled scores tie within that tolerance.
 */
class OrtParityTest {
    private static final double REL = 1e-4;

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(ModelKind.SCALEPROTOSEG, 11L, List.of(), 61, 45),
                Arguments.of(ModelKind.SCALEPROTOSEG, 12L, List.of(), 33, 33),
                Arguments.of(ModelKind.SCALEPROTOSEG, 13L, List.of(0.5, 0.75), 64, 48),
                Arguments.of(ModelKind.PROTOSEG, 21L, List.of(), 61, 45),
                Arguments.of(ModelKind.PROTOSEG, 22L, List.of(), 17, 40),
                Arguments.of(ModelKind.DEEPLABV2, 31L, List.of(), 61, 45),
                Arguments.of(ModelKind.DEEPLABV2, 32L, List.of(0.5, 0.75), 64, 48));
    }

    @ParameterizedTest(name = "{0} seed {1} msc {2} {3}x{4}")
    @MethodSource("models")
    void graphOutputsEqualReferenceComputation(ModelKind kind, long seed, List<Double> msc, int width, int height)
            throws Exception {
        InferenceModel model = RandomModels.build(TestModels.spec(kind, seed, msc));
        Path file = TestModels.write(model, dir, kind.id());
        float[] img = TestModels.image(width, height, seed);
        ReferenceForward.Result ref = ReferenceForward.run(model, img, height, width);

        Set<ModelOutput> all = EnumSet.of(ModelOutput.MASK, ModelOutput.LOGITS);
        if (kind.hasPrototypes()) {
            all.add(ModelOutput.PROTOTYPE_ACTIVATIONS);
        }
        if (kind.hasGroups()) {
            all.add(ModelOutput.GROUP_ACTIVATIONS);
        }
        try (InferenceEngine engine = new OrtBackendProvider().open(Backend.ORT_CPU, new EngineConfig(file, 1, null, null))) {
            FloatBuffer buf = ByteBuffer.allocateDirect(img.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            buf.put(img).flip();
            // twice: the first run learns output shapes, the second uses pinned outputs
            for (int run = 0; run < 2; run++) {
                EngineResult r = engine.run(new InputBatch(buf, 1, height, width), all);
                assertEquals(ref.logits().height(), r.featureHeight(), "feature height");
                assertEquals(ref.logits().width(), r.featureWidth(), "feature width");
                assertClose("logits", r.logits(), ref.logits().data());
                if (kind.hasPrototypes()) {
                    assertClose("prototype_activations", r.prototypeActivations(), ref.prototypes().data());
                }
                if (kind.hasGroups()) {
                    assertClose("group_activations", r.groupActivations(), ref.groups().data());
                }
                assertMasksEqualExceptTies(r.mask(), ref);
            }
        }

        // the same through the public API, with the mask computed in Java from the logits (resized path)
        try (Segmenter seg = Segmenter.builder().model(file).backend(Backend.ORT_CPU).intraOpThreads(1)
                .evidence(kind.hasPrototypes() ? Evidence.FULL : Evidence.NONE).build()) {
            Segmentation s = seg.segment(img, width, height);
            assertClose("Segmentation.logits", s.logits(), ref.logits().data());
            assertMasksEqualExceptTies(s.mask(), ref);
            for (int c = 0; c < ref.scores().channels(); c++) {
                float[] map = s.scoreMap(c);
                double[] expected = new double[width * height];
                System.arraycopy(ref.scores().data(), c * width * height, expected, 0, expected.length);
                assertClose("scoreMap(" + c + ")", map, expected);
            }
        }
    }

    @Test
    void deepLabV2ResNet101TopologyRunsWithOutputStrideEightAndMatchesTheReference() throws Exception {
        RandomModels.Spec base = RandomModels.Spec.small(ModelKind.SCALEPROTOSEG, 81);
        RandomModels.Spec spec = new RandomModels.Spec(base.kind(), 3, new int[] {6, 12, 18, 24}, 2, 2, 8, 0, 0,
                List.of(), 81);
        InferenceModel model = RandomModels.build(spec, ResNetLayout.Depth.R101, 16);
        Path file = TestModels.write(model, dir, "r101");
        float[] img = TestModels.image(65, 65, 81);
        ReferenceForward.Result ref = ReferenceForward.run(model, img, 65, 65);
        try (Segmenter seg = Segmenter.builder().model(file).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = seg.segment(img, 65, 65);
            assertEquals(9, s.featureHeight(), "65 -> 9 at output stride 8");
            assertClose("logits", s.logits(), ref.logits().data());
            assertMasksEqualExceptTies(s.mask(), ref);
            Segmentation big = seg.segment(new float[3 * 321 * 321], 321, 321);
            assertEquals(41, big.featureHeight(), "321 -> 41");
            assertEquals(41, big.featureWidth());
        }
    }

    static void assertClose(String what, float[] actual, double[] expected) {
        assertNotNull(actual, what + " missing");
        assertEquals(expected.length, actual.length, what + " length");
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            // relative to the tensor: max |a - e| / max |e| (a per-element ratio is meaningless where a score crosses 0)
            double err = Math.abs(actual[i] - expected[i]) / scale;
            if (err > worst) {
                worst = err;
                at = i;
            }
        }
        assertTrue(worst <= REL, what + ": relative error " + worst + " at " + at + " (got " + (at < 0 ? 0 : actual[at])
                + ", expected " + (at < 0 ? 0 : expected[at]) + ")");
    }

    static void assertMasksEqualExceptTies(int[] mask, ReferenceForward.Result ref) {
        ReferenceForward.Map3 s = ref.scores();
        int plane = s.height() * s.width();
        assertEquals(plane, mask.length, "mask size");
        double scale = 0;
        for (double v : s.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        int differing = 0;
        for (int i = 0; i < plane; i++) {
            if (mask[i] != ref.mask()[i]) {
                double gap = Math.abs(s.data()[mask[i] * plane + i] - s.data()[ref.mask()[i] * plane + i]);
                assertTrue(gap <= REL * scale, "mask differs at pixel " + i + " (" + mask[i] + " vs " + ref.mask()[i]
                        + ") where the scores are " + gap + " apart: not a tie");
                differing++;
            }
        }
        assertTrue(differing <= plane / 1000 + 1, differing + " tie pixels of " + plane);
    }
}
