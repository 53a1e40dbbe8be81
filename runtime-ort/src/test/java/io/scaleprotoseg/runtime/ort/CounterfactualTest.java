package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.FloatTensor;
import io.scaleprotoseg.graph.InferenceModel;
import io.scaleprotoseg.graph.PrototypeHead;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Counterfactual;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.GroupRef;
import io.scaleprotoseg.sdk.ModelCard;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counterfactuals from the evidence ({@link Segmentation#without}) against a run of the edited
 * model: the model with the removed prototypes' group weights (ScaleProtoSeg) or last-layer
 * columns (ProtoSeg) and the removed groups' last-layer columns set to 0, on every pixel.
 */
class CounterfactualTest {
    private static final int W = 57;
    private static final int H = 41;

    @TempDir
    Path dir;

    /** The model with the removals written into its weights (and the card's group members). */
    static InferenceModel edited(InferenceModel m, Set<Integer> prototypeIds, Set<GroupRef> groups) {
        ModelCard card = m.card();
        PrototypeHead h = m.head();
        int pa = h.numPrototypes();
        float[] last = h.lastLayer().data().clone();
        int cols = h.lastLayer().dim(1);
        float[] gw = h.groupWeights() == null ? null : h.groupWeights().data().clone();
        List<ModelCard.Group> newGroups = new ArrayList<>();
        for (int j = 0; j < pa; j++) {
            if (!prototypeIds.contains(card.prototypes().get(j).id())) {
                continue;
            }
            if (gw == null) {
                for (int c = 0; c < card.numClasses(); c++) {
                    last[c * cols + j] = 0;
                }
            } else {
                for (int k = 0; k < cols; k++) {
                    gw[k * pa + j] = 0;
                }
            }
        }
        for (int k = 0; k < card.groups().size(); k++) {
            ModelCard.Group g = card.groups().get(k);
            if (groups.contains(new GroupRef(g.classId(), g.index()))) {
                for (int c = 0; c < card.numClasses(); c++) {
                    last[c * cols + k] = 0;
                }
            }
            newGroups.add(new ModelCard.Group(g.classId(), g.index(), g.members().stream()
                    .filter(mem -> !prototypeIds.contains(mem.prototypeId())).toList()));
        }
        ModelCard c = new ModelCard(card.formatVersion(), card.method(), card.classes(), card.ignoreLabel(),
                card.normalization(), card.outputStride(), card.mscScales(), card.scales(), card.prototypes(), newGroups,
                card.threshold(), card.provenance());
        PrototypeHead head = new PrototypeHead(h.prototypes(), h.scales(),
                gw == null ? null : new FloatTensor(gw, h.groupWeights().shape()), new FloatTensor(last, h.lastLayer().shape()));
        return new InferenceModel(c, m.backbone(), m.aspp(), head);
    }

    private void assertEqualsEditedRun(InferenceModel model, Set<Integer> prototypes, Set<GroupRef> groups, long seed)
            throws Exception {
        Path original = TestModels.write(model, dir, "original");
        Path edit = TestModels.write(edited(model, prototypes, groups), dir, "edited");
        float[] image = TestModels.image(W, H, seed);
        try (Segmenter a = Segmenter.builder().model(original).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build();
                Segmenter b = Segmenter.builder().model(edit).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = a.segment(image, W, H);
            Segmentation rerun = b.segment(image, W, H);
            Counterfactual cf = s.without(prototypes, groups);
            float[] expected = rerun.logits();
            float[] got = cf.logits();
            double max = 0;
            for (float v : expected) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[i], 1e-5 * max, "logit " + i);
            }
            int[] cfMask = cf.mask();
            int[] rerunMask = rerun.featureGrid().argmaxUpsampled(expected, rerun.numClasses());
            int differ = 0;
            for (int i = 0; i < cfMask.length; i++) {
                differ += cfMask[i] != rerunMask[i] ? 1 : 0;
            }
            assertEquals(0, differ, "every pixel's class equals the edited model's");
            assertTrue(cf.changedPixels() > 0, "the removal changes something (else the test proves little)");
            // an empty removal is the original exactly
            assertEquals(0, s.without(Set.of(), Set.of()).changedPixels());
        }
    }

    @Test
    void scaleProtoSegWithoutPrototypesAndAGroupEqualsTheEditedModelOnEveryPixel() throws Exception {
        InferenceModel model = TestModels.model(ModelKind.SCALEPROTOSEG, 21);
        ModelCard card = model.card();
        // two prototypes of one group of class 0, and a whole group of class 1
        ModelCard.Group g0 = card.groups().stream().filter(g -> g.classId() == 0 && g.members().size() >= 3).findFirst()
                .orElseThrow();
        Set<Integer> protos = Set.of(g0.members().get(0).prototypeId(), g0.members().get(1).prototypeId());
        ModelCard.Group g1 = card.groups().stream().filter(g -> g.classId() == 1).findFirst().orElseThrow();
        assertEqualsEditedRun(model, protos, Set.of(new GroupRef(1, g1.index())), 31);
    }

    @Test
    void protoSegWithoutPrototypesEqualsTheEditedModelOnEveryPixel() throws Exception {
        InferenceModel model = TestModels.model(ModelKind.PROTOSEG, 22);
        List<ModelCard.Prototype> ps = model.card().prototypes();
        assertEqualsEditedRun(model, Set.of(ps.get(0).id(), ps.get(3).id(), ps.get(ps.size() - 1).id()), Set.of(), 32);
    }

    @Test
    void decisiveEvidenceAndMarginsAgreeWithTheCounterfactualOfEachPart() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 23), dir, "sps");
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            Segmentation s = seg.segment(TestModels.image(W, H, 33), W, H);
            int decisive = 0;
            for (int y = 0; y < H; y += 4) {
                for (int x = 0; x < W; x += 4) {
                    PixelExplanation e = s.explain(x, y);
                    int before = s.without(Set.of(), Set.of()).classAt(x, y);
                    for (GroupEvidence g : e.groups()) {
                        Counterfactual cf = s.without(Set.of(), Set.of(new GroupRef(g.classId(), g.index())));
                        assertEquals(cf.classAt(x, y) != before, g.decisive(), "group " + g.classId() + ":" + g.index());
                        float[] sc = cf.scores(x, y);
                        assertEquals(margin(s.scores(x, y), e.classId()) - margin(sc, e.classId()), g.margin(), 1e-4);
                        decisive += g.decisive() ? 1 : 0;
                        for (PrototypeEvidence p : g.prototypes()) {
                            Counterfactual cp = s.without(Set.of(p.id()), Set.of());
                            assertEquals(cp.classAt(x, y) != before, p.decisive(), "prototype " + p.id());
                            assertEquals(margin(s.scores(x, y), e.classId()) - margin(cp.scores(x, y), e.classId()), p.margin(),
                                    1e-4);
                        }
                    }
                }
            }
            assertTrue(decisive > 0, "some group is decisive somewhere");
        }
    }

    private static double margin(float[] scores, int cls) {
        double best = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < scores.length; c++) {
            if (c != cls) {
                best = Math.max(best, scores[c]);
            }
        }
        return scores[cls] - best;
    }

    @Test
    void badRemovalsAreNamed() throws Exception {
        Path sps = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 24), dir, "sps");
        Path ps = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 25), dir, "ps");
        try (Segmenter full = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build();
                Segmenter groups = Segmenter.builder().model(sps).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).build();
                Segmenter proto = Segmenter.builder().model(ps).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).build()) {
            Segmentation s = full.segment(TestModels.image(W, H, 1), W, H);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.without(Set.of(99_999), Set.of()));
            assertTrue(e.getMessage().contains("prototype 99999 is not active"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.without(Set.of(), Set.of(new GroupRef(0, 77))));
            assertTrue(e.getMessage().contains("group 0:77"), e.getMessage());
            int id = s.card().prototypes().get(0).id();
            IllegalStateException st = assertThrows(IllegalStateException.class,
                    () -> groups.segment(TestModels.image(W, H, 1), W, H).without(Set.of(id), Set.of()));
            assertTrue(st.getMessage().contains("Evidence.FULL"), st.getMessage());
            Segmentation p = proto.segment(TestModels.image(W, H, 1), W, H);
            e = assertThrows(IllegalArgumentException.class, () -> p.without(Set.of(), Set.of(new GroupRef(0, 0))));
            assertTrue(e.getMessage().contains("has no groups"), e.getMessage());
            assertEquals(GroupRef.parse("5:2"), new GroupRef(5, 2));
            assertThrows(IllegalArgumentException.class, () -> GroupRef.parse("5"));
        }
    }
}
