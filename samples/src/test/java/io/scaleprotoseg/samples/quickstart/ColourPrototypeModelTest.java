package io.scaleprotoseg.samples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.graph.InferenceGraphWriter;
import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.GroupEvidence;
import io.scaleprotoseg.sdk.PixelExplanation;
import io.scaleprotoseg.sdk.PrototypeEvidence;
import io.scaleprotoseg.sdk.Segmentation;
import io.scaleprotoseg.sdk.Segmenter;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColourPrototypeModelTest {
    /** g at distance 0: log((0 + 1) / (0 + 1e-4)). */
    private static final double G_MAX = Math.log(1e4);

    @Test
    void aFlatRegionOfAClassColourMatchesItsPrototypesAtEveryScale(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("colour.onnx");
        InferenceGraphWriter.write(ColourPrototypeModel.build(), model);
        try (Segmenter seg = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.FULL).build()) {
            for (SceneClass k : SceneClass.ALL) {
                BufferedImage flat = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 96; y++) {
                    for (int x = 0; x < 96; x++) {
                        flat.setRGB(x, y, k.appearance().getRGB());
                    }
                }
                Segmentation s = seg.segment(flat);
                assertTrue(Arrays.stream(s.mask()).allMatch(c -> c == k.id()), k + " everywhere");
                // the centre cell sees only the colour at every dilation (4 cells each way fit in 12 cells)
                PixelExplanation e = s.explain(48, 48);
                GroupEvidence top = e.groups().get(0);
                assertEquals(k.id(), top.classId());
                for (GroupEvidence g : e.groups()) {
                    if (g.classId() != k.id()) {
                        continue;
                    }
                    assertEquals(2, g.prototypes().size());
                    for (PrototypeEvidence p : g.prototypes()) {
                        // the prototype is the graph's own feature of the colour: distance ~0
                        assertEquals(G_MAX, p.g(), 0.05, k + " prototype " + p.id() + " at scale " + p.scale());
                    }
                }
            }
        }
    }

    @Test
    void cardDescribesTheHandSpecifiedStructure() {
        var card = ColourPrototypeModel.build().card();
        assertEquals(SceneClass.ALL.size(), card.numClasses());
        assertEquals(4, card.scales().size());
        assertEquals(4 * SceneClass.ALL.size(), card.prototypes().size());
        assertEquals(2 * SceneClass.ALL.size(), card.groups().size());
        assertTrue(card.prototypes().stream().allMatch(p -> p.patchImage() != null && p.source() != null));
        assertTrue(card.provenance().notes().get("origin").contains("hand-specified"));
        assertEquals(0.05, card.threshold());
    }
}
